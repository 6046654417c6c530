"""MariaDB/MySQL capture: the binary log (ROW format, full row images), read with mysql-replication.

Positions are `file:offset` after a transaction's commit (XID event, COMMIT query, or a DDL statement).
A `full-load-and-cdc` task takes the binlog position before the full load reads anything and replays every
change from there on top of the loaded rows: the apply is an idempotent upsert/delete by key of full row
images, so changes the load already saw converge to the same rows (DMS's cached-changes handoff). The
stream stays open between reads; a heartbeat from the server every half second lets the reader return
while the source is idle. The binlog needs no cleanup: stopping or deleting a task leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import random
import re
from collections.abc import Iterator
from typing import Any

import pymysql
from pymysqlreplication import BinLogStreamReader
from pymysqlreplication.event import HeartbeatLogEvent, MariadbGtidEvent, QueryEvent, RotateEvent, XidEvent
from pymysqlreplication.row_event import DeleteRowsEvent, UpdateRowsEvent, WriteRowsEvent

from ..connect import Database
from .model import DELETE, INSERT, UPDATE, Change

_EVENTS = [
    WriteRowsEvent,
    UpdateRowsEvent,
    DeleteRowsEvent,
    XidEvent,
    QueryEvent,
    RotateEvent,
    MariadbGtidEvent,
    HeartbeatLogEvent,
]


def position_key(position: str) -> tuple[int, int]:
    name, _, offset = position.rpartition(":")
    m = re.search(r"(\d+)$", name)
    return (int(m.group(1)) if m else 0, int(offset))


def _row(values: dict[str, Any], columns: list[Any]) -> dict[str, Any]:
    out = dict(values)
    for column in columns:
        name = column.name
        v = out.get(name)
        if isinstance(v, set):  # SET: the members in definition order, as the server prints them
            out[name] = ",".join(m for m in column.set_values if m in v)
    return out


class MariadbCapture:
    kind = "mariadb"

    def __init__(self, source: Database) -> None:
        self.source = source
        self.schema = str(source.url.database or "")
        self._stream: BinLogStreamReader | None = None
        self._stream_from: str | None = None

    key = staticmethod(position_key)

    def _settings(self) -> dict[str, Any]:
        url = self.source.url
        return {
            "host": url.host or "127.0.0.1",
            "port": url.port or 3306,
            "user": url.username or "root",
            "password": url.password or "",
        }

    def current_position(self) -> str:
        conn = pymysql.connect(**self._settings())
        try:
            cur = conn.cursor()
            cur.execute("SHOW MASTER STATUS")
            row = cur.fetchone()
            if not row:
                raise RuntimeError("the source has no binary log: enable log_bin with binlog_format=ROW")
            return f"{row[0]}:{row[1]}"
        finally:
            conn.close()

    def open(self, tables: list | None = None) -> str:
        return self.current_position()

    @contextlib.contextmanager
    def snapshot(self, tables: list | None = None) -> Iterator[tuple[str, Database]]:
        yield self.current_position(), self.source

    def _open_stream(self, after: str) -> BinLogStreamReader:
        log_file, _, offset = after.rpartition(":")
        return BinLogStreamReader(
            connection_settings=self._settings(),
            server_id=random.randint(10_000, 2**31 - 1),
            resume_stream=True,
            log_file=log_file,
            log_pos=int(offset),
            blocking=True,
            slave_heartbeat=0.5,
            only_events=_EVENTS,
            is_mariadb=False,  # True would ignore log_file/log_pos (GTID only): the classic dump reads MariaDB too
            freeze_schema=False,
        )

    def events(self, after: str | None, limit: int = 20000) -> Iterator[tuple]:
        """("B",), ("C", change), ("E", position, commit_time): returns at an idle heartbeat or after `limit`."""
        after = after or self.current_position()
        if self._stream is None or self._stream_from != after:
            self.close()
            self._stream = self._open_stream(after)
        stream, count, open_txn = self._stream, 0, False
        try:
            for ev in stream:
                position = f"{stream.log_file}:{stream.log_pos}"
                if isinstance(ev, HeartbeatLogEvent):
                    if not open_txn:
                        break
                    continue
                if isinstance(ev, MariadbGtidEvent):
                    open_txn = True
                    yield ("B",)
                elif isinstance(ev, (WriteRowsEvent, UpdateRowsEvent, DeleteRowsEvent)):
                    if self.schema and ev.schema != self.schema:
                        continue
                    for change in self._changes(ev):
                        count += 1
                        yield ("C", change)
                elif isinstance(ev, XidEvent) or (isinstance(ev, QueryEvent) and ev.query != "BEGIN"):
                    open_txn = False
                    self._stream_from = position
                    yield ("E", position, float(ev.timestamp))
                    if count >= limit:
                        break
        except BaseException:
            self.close()
            raise

    def _changes(self, ev: Any) -> Iterator[Change]:
        schema, table, columns = ev.schema, ev.table, ev.columns
        for r in ev.rows:
            if isinstance(ev, WriteRowsEvent):
                yield Change(INSERT, schema, table, _row(r["values"], columns))
            elif isinstance(ev, DeleteRowsEvent):
                yield Change(DELETE, schema, table, _row(r["values"], columns))
            else:
                yield Change(
                    UPDATE, schema, table, _row(r["after_values"], columns), _row(r["before_values"], columns)
                )

    def ack(self, position: str) -> None:
        return None

    def server_time(self) -> float:
        conn = pymysql.connect(**self._settings())
        try:
            cur = conn.cursor()
            cur.execute("SELECT UNIX_TIMESTAMP(NOW(6))")
            return float(cur.fetchone()[0])
        finally:
            conn.close()

    def close(self) -> None:
        if self._stream is not None:
            with contextlib.suppress(Exception):
                self._stream.close()
        self._stream = None
        self._stream_from = None

    def drop(self) -> None:
        self.close()
