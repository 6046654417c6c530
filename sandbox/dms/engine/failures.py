"""The validation failures table `awsdms_validation_failures_v1` on the target.

Where it lives: PostgreSQL: schema `awsdms_control` (as DMS), or ControlTablesSettings.ControlSchema when
set. MySQL/MariaDB: the endpoint's database (DMS would use a database named `awsdms_control`; the sandbox
keeps each endpoint's objects inside its own database so endpoints on a shared server stay apart), or
the ControlSchema database when set, or `awsdms_control` when the endpoint names no database. SQLite: the database file itself (SQLite has no schemas).
Columns are the DMS ones, upper case (quoted on PostgreSQL): TASK_NAME, TABLE_OWNER, TABLE_NAME,
FAILURE_TIME, KEY_TYPE ('Row'), KEY (JSON `{"key": ["v1", ...]}`, key values as strings in key-column
order), FAILURE_TYPE (RECORD_DIFF, MISSING_SOURCE, MISSING_TARGET), DETAILS (JSON, see README).
`read_failures` reads both this shape and older tables without KEY_TYPE/DETAILS.
"""

from __future__ import annotations

import contextlib
import json
import threading
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import inspect

from .connect import Database

TABLE = "awsdms_validation_failures_v1"
COLUMNS = [
    "TASK_NAME",
    "TABLE_OWNER",
    "TABLE_NAME",
    "FAILURE_TIME",
    "KEY_TYPE",
    "KEY",
    "FAILURE_TYPE",
    "DETAILS",
]


def control_location(target: Database, control_schema: str = "") -> tuple[str | None, str]:
    """(schema or None, qualified table name) of the failures table on this target."""
    q = target.quote
    if target.dialect == "postgresql":
        schema = control_schema or "awsdms_control"
        return schema, f"{q(schema)}.{q(TABLE)}"
    if target.dialect == "mysql" and (control_schema or not target.url.database):
        schema = control_schema or "awsdms_control"  # no endpoint database: DMS's own control database
        return schema, f"{q(schema)}.{q(TABLE)}"
    return None, q(TABLE)


class FailureSink:
    """Creates the failures table on first use and appends failures (thread safe)."""

    def __init__(self, target: Database, task_name: str, control_schema: str = "") -> None:
        self.target = target
        self.task_name = task_name
        self.schema, self.table = control_location(target, control_schema)
        self._lock = threading.Lock()
        self._ready = False

    def _ensure(self, cur: Any) -> None:
        if self._ready:
            return
        q = self.target.quote
        ts = {"postgresql": "timestamp", "mysql": "datetime(6)", "sqlite": "DATETIME"}[self.target.dialect]
        big = {"postgresql": "text", "mysql": "longtext", "sqlite": "TEXT"}[self.target.dialect]
        name = "varchar(128)"
        if self.schema and self.target.dialect == "postgresql":
            cur.execute(f"CREATE SCHEMA IF NOT EXISTS {q(self.schema)}")
        if self.schema and self.target.dialect == "mysql":
            cur.execute(f"CREATE DATABASE IF NOT EXISTS {q(self.schema)}")
        cur.execute(
            f"CREATE TABLE IF NOT EXISTS {self.table} ("
            f"{q('TASK_NAME')} {name} NOT NULL, {q('TABLE_OWNER')} {name} NOT NULL, "
            f"{q('TABLE_NAME')} {name} NOT NULL, {q('FAILURE_TIME')} {ts} NOT NULL, "
            f"{q('KEY_TYPE')} {name} NOT NULL, {q('KEY')} {big} NOT NULL, "
            f"{q('FAILURE_TYPE')} {name} NOT NULL, {q('DETAILS')} {big} NOT NULL)"
        )
        self._ready = True

    def clear(self, table_owner: str, table_name: str) -> None:
        """Forget earlier failures of this task for one table (a re-validation starts clean)."""
        with self._lock, self.target.write_lock:
            conn = self.target.raw()
            try:
                cur = conn.cursor()
                self._ensure(cur)
                ph, q = self.target.placeholder, self.target.quote
                cur.execute(
                    f"DELETE FROM {self.table} WHERE {q('TASK_NAME')} = {ph} AND {q('TABLE_OWNER')} = {ph} "
                    f"AND {q('TABLE_NAME')} = {ph}",
                    (self.task_name, table_owner, table_name),
                )
                conn.commit()
            finally:
                conn.close()

    def write(self, table_owner: str, table_name: str, failures: list[tuple[str, list[Any], Any]]) -> None:
        """failures: (FAILURE_TYPE, key values, details object)."""
        if not failures:
            return
        now = datetime.now(UTC).replace(tzinfo=None)
        if self.target.dialect == "sqlite":
            now = now.isoformat(sep=" ")
        rows = [
            (
                self.task_name,
                table_owner,
                table_name,
                now,
                "Row",
                json.dumps({"key": [_key_text(v) for v in key]}),
                kind,
                json.dumps(details, default=str),
            )
            for kind, key, details in failures
        ]
        ph, q = self.target.placeholder, self.target.quote
        sql = f"INSERT INTO {self.table} ({', '.join(q(c) for c in COLUMNS)}) VALUES ({', '.join([ph] * len(COLUMNS))})"
        with self._lock, self.target.write_lock:
            conn = self.target.raw()
            try:
                cur = conn.cursor()
                self._ensure(cur)
                cur.executemany(sql, rows)
                conn.commit()
            finally:
                conn.close()


def _key_text(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value)


def read_failures(
    target: Database, task_name: str | None = None, control_schema: str = ""
) -> list[dict[str, Any]]:
    """Rows of the failures table (empty when it does not exist), KEY and DETAILS decoded from JSON."""
    schema, table = control_location(target, control_schema)
    insp = inspect(target.engine)
    if not insp.has_table("awsdms_validation_failures_v1", schema=schema):
        return []
    present = [c["name"] for c in insp.get_columns("awsdms_validation_failures_v1", schema=schema)]
    by_upper = {c.upper(): c for c in present}
    q, ph = target.quote, target.placeholder
    select = ", ".join(q(by_upper[c]) for c in COLUMNS if c in by_upper)
    sql = f"SELECT {select} FROM {table}"
    params: tuple[Any, ...] = ()
    if task_name is not None:
        sql += f" WHERE {q(by_upper['TASK_NAME'])} = {ph}"
        params = (task_name,)
    conn = target.raw()
    try:
        cur = conn.cursor()
        cur.execute(sql, params)
        names = [c for c in COLUMNS if c in by_upper]
        out = []
        for row in cur.fetchall():
            record = dict(zip(names, row, strict=True))
            for col in ("KEY", "DETAILS"):
                if isinstance(record.get(col), str):
                    with contextlib.suppress(json.JSONDecodeError):
                        record[col] = json.loads(record[col])
            out.append(record)
        return out
    finally:
        conn.close()
