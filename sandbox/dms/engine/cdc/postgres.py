"""PostgreSQL capture: a logical replication slot with the `test_decoding` plugin, as DMS reads PostgreSQL.

The slot is created on a replication connection with EXPORT_SNAPSHOT: the full load of a
`full-load-and-cdc` task reads every table inside that snapshot (`SnapshotDatabase`), and CDC starts at the
slot's consistent point, so the handoff has neither a gap nor an overlap. Changes are read with
`pg_logical_slot_peek_changes` through a server-side cursor (whole transactions, bounded memory) and the slot
is advanced (`pg_replication_slot_advance`) once they are in the spool. Stopping a task leaves the slot;
deleting the task drops it. HeartbeatEnable writes to `awsdms_heartbeat` so an idle slot keeps moving.
"""

from __future__ import annotations

import contextlib
import re
import time
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from datetime import time as dtime
from decimal import Decimal
from typing import Any

import psycopg2
import psycopg2.extras

from ..connect import Database
from .model import DELETE, INSERT, UPDATE, Change

_HEADER = re.compile(
    r'^table ((?:"(?:[^"]|"")*"|[^."]+))\.((?:"(?:[^"]|"")*"|[^:]+)): (INSERT|UPDATE|DELETE|TRUNCATE):\s?(.*)$',
    re.DOTALL,
)
_COLUMN = re.compile(
    r'\s*("(?:[^"]|"")*"|[^\[\s]+)\[(.*?)\]:(null|unchanged-toast-datum|\'(?:[^\']|\'\')*\'|\S+)', re.DOTALL
)
_COMMIT_AT = re.compile(r"^COMMIT \d+ \(at (.+)\)$")
UNCHANGED = object()  # an unchanged TOASTed value: the update leaves that column as it is


def lsn_value(lsn: str) -> int:
    high, low = lsn.split("/")
    return (int(high, 16) << 32) | int(low, 16)


def _ident(text: str) -> str:
    return text[1:-1].replace('""', '"') if text.startswith('"') else text


def _value(type_name: str, raw: str) -> Any:
    if raw == "null":
        return None
    if raw == "unchanged-toast-datum":
        return UNCHANGED
    text = raw[1:-1].replace("''", "'") if raw.startswith("'") else raw
    try:
        if type_name in ("integer", "smallint", "bigint", "oid"):
            return int(text)
        if type_name == "numeric":
            return Decimal(text)
        if type_name in ("real", "double precision"):
            return float(text)
        if type_name == "boolean":
            return text == "true"
        if type_name == "bytea":
            return bytes.fromhex(text[2:])
        if type_name.startswith("timestamp"):
            return datetime.fromisoformat(text)
        if type_name == "date":
            return date.fromisoformat(text)
        if type_name == "time without time zone":
            return dtime.fromisoformat(text)
    except ValueError:  # infinity, NaN, BC dates: keep PostgreSQL's text
        return text
    return text


def _columns(text: str) -> dict[str, Any]:
    return {_ident(m.group(1)): _value(m.group(2), m.group(3)) for m in _COLUMN.finditer(text)}


def parse_change(data: str) -> Change | None:
    """One test_decoding change line as a Change (None for TRUNCATE)."""
    m = _HEADER.match(data)
    if not m:
        raise ValueError(f"unexpected test_decoding output: {data[:200]}")
    schema, table, op, rest = _ident(m.group(1)), _ident(m.group(2)), m.group(3), m.group(4)
    if op == "INSERT":
        return Change(INSERT, schema, table, _columns(rest))
    if op == "UPDATE":
        old_key = None
        if rest.startswith("old-key:"):
            old, _, new = rest[len("old-key:") :].partition(" new-tuple:")
            old_key, rest = _columns(old), new
        row = {k: v for k, v in _columns(rest).items() if v is not UNCHANGED}
        return Change(UPDATE, schema, table, row, old_key)
    if op == "DELETE":
        return None if rest.strip() == "(no-tuple-data)" else Change(DELETE, schema, table, _columns(rest))
    return None


class SnapshotDatabase(Database):
    """The source as the full load sees it: every connection reads in the slot's exported snapshot."""

    snapshot: str = ""

    def raw(self) -> Any:
        conn = self.engine.raw_connection()
        conn.rollback()
        cur = conn.cursor()
        cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cur.execute("SET TRANSACTION SNAPSHOT %s", (self.snapshot,))
        cur.close()
        return conn


class PostgresCapture:
    kind = "postgres"

    def __init__(self, source: Database, slot: str, *, heartbeat_seconds: float | None = None) -> None:
        self.source = source
        self.slot = re.sub(r"[^a-z0-9_]", "_", slot.lower())[:63]
        self.heartbeat_seconds = heartbeat_seconds
        self._last_heartbeat = time.monotonic()

    @staticmethod
    def key(position: str) -> int:
        return lsn_value(position)

    def _sql(self, sql: str, params: tuple = ()) -> list[tuple]:
        conn = self.source.raw()
        try:
            cur = conn.cursor()
            cur.execute(sql, params)
            rows = cur.fetchall() if cur.description else []
            conn.commit()
            return rows
        finally:
            conn.close()

    def exists(self) -> bool:
        return bool(
            self._sql(
                "SELECT 1 FROM pg_replication_slots WHERE slot_name = %s",
                (self.slot,),
            )
        )

    def open(self, tables: list | None = None) -> str:
        """The slot (created when missing); returns the position CDC starts from when it was created."""
        if self.exists():
            return self._sql(
                "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = %s",
                (self.slot,),
            )[0][0]
        return self._sql(
            "SELECT lsn::text FROM pg_create_logical_replication_slot(%s, 'test_decoding')", (self.slot,)
        )[0][0]

    @contextlib.contextmanager
    def snapshot(self, tables: list | None = None) -> Iterator[tuple[str, Database]]:
        """A fresh slot and the source read in its exported snapshot, for the full load."""
        self.drop()
        params = self.source.engine.url.translate_connect_args(username="user", database="dbname")
        repl = psycopg2.connect(
            connection_factory=psycopg2.extras.LogicalReplicationConnection, connect_timeout=5, **params
        )
        try:
            cur = repl.cursor()
            cur.execute(f"CREATE_REPLICATION_SLOT {self.slot} LOGICAL test_decoding EXPORT_SNAPSHOT")
            _, consistent_point, snapshot_name, _ = cur.fetchone()
            db = SnapshotDatabase(self.source.url, "source", self.source.name)
            db.snapshot = snapshot_name
            try:
                yield consistent_point, db
            finally:
                db.dispose()
        finally:
            repl.close()  # the snapshot lives as long as this connection: until the full load is done

    def current_position(self) -> str:
        return self._sql("SELECT pg_current_wal_lsn()::text")[0][0]

    def events(self, after: str | None, limit: int = 20000) -> Iterator[tuple]:
        """("B",), ("C", change), ("E", position, commit_time) for whole transactions after `after`."""
        self._heartbeat()
        floor = lsn_value(after) if after else -1
        conn = self.source.raw()
        try:
            cur = conn.cursor(name=f"dms_cdc_{uuid.uuid4().hex[:10]}")
            cur.itersize = 2000
            cur.execute(
                "SELECT lsn::text, data FROM pg_logical_slot_peek_changes(%s, NULL, %s, 'include-timestamp', 'on')",
                (self.slot, limit),
            )
            skipping = False
            for lsn, data in cur:
                if data.startswith("BEGIN"):
                    skipping = False
                    yield ("B",)
                elif data.startswith("COMMIT"):
                    if lsn_value(lsn) <= floor:
                        yield ("X",)  # spooled before a crash: drop this copy
                    else:
                        m = _COMMIT_AT.match(data)
                        yield ("E", lsn, datetime.fromisoformat(m.group(1)).timestamp() if m else time.time())
                elif not skipping:
                    change = parse_change(data)
                    if change is not None:
                        yield ("C", change)
            cur.close()
        finally:
            conn.rollback()
            conn.close()

    def ack(self, position: str) -> None:
        """The spool holds everything up to `position`: the slot may let that WAL go."""
        self._sql("SELECT pg_replication_slot_advance(%s, %s::pg_lsn)", (self.slot, position))

    def _heartbeat(self) -> None:
        if not self.heartbeat_seconds or time.monotonic() - self._last_heartbeat < self.heartbeat_seconds:
            return
        self._last_heartbeat = time.monotonic()
        self._sql(
            "CREATE TABLE IF NOT EXISTS public.awsdms_heartbeat (hearbeat_id int PRIMARY KEY, hearbeat_timestamp timestamp);"
            "INSERT INTO public.awsdms_heartbeat VALUES (1, now()) "
            "ON CONFLICT (hearbeat_id) DO UPDATE SET hearbeat_timestamp = now()"
        )

    def server_time(self) -> float:
        return float(self._sql("SELECT extract(epoch from clock_timestamp())")[0][0])

    def close(self) -> None:
        return None

    def drop(self) -> None:
        with contextlib.suppress(Exception):
            self._sql(
                "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots "
                "WHERE slot_name = %s AND active_pid IS NOT NULL",
                (self.slot,),
            )
        if self.exists():
            self._sql("SELECT pg_drop_replication_slot(%s)", (self.slot,))
