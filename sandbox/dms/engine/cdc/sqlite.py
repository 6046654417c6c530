"""SQLite capture: triggers on every selected table write each row change into a change table.

`awsdms_cdc_<task>` on the source holds (seq, table, op, new image, old image, time); the triggers are
`awsdms_cdc_<task>_<table>_<i|u|d>`. SQLite has one writer, so seq order is commit order and a read sees whole
transactions only; each read becomes one transaction for the apply. Positions are `seq:N`. Rows the spool
holds are deleted from the change table (`ack`); deleting the task drops the triggers and the table.
Blob values travel as {"$x": hex} (JSON has no bytes).
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
from collections.abc import Iterator
from typing import Any

from ..connect import Database
from .model import DELETE, INSERT, UPDATE, Change


def position_key(position: str) -> int:
    return int(position.partition(":")[2] or 0)


def _hook(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and "$x" in obj:
        return bytes.fromhex(obj["$x"])
    return obj


class SqliteCapture:
    kind = "sqlite"

    def __init__(self, source: Database, task: str) -> None:
        self.source = source
        self.name = "awsdms_cdc_" + re.sub(r"[^a-z0-9_]", "_", task.lower())

    key = staticmethod(position_key)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.source.sqlite_path, timeout=60, isolation_level=None)

    def _image(self, alias: str, columns: list[str]) -> str:
        parts = []
        for c in columns:
            ref = f'{alias}."{c.replace(chr(34), chr(34) * 2)}"'
            lit = "'" + c.replace("'", "''") + "'"
            parts.append(
                f"{lit}, CASE typeof({ref}) WHEN 'blob' THEN json_object('$x', hex({ref})) ELSE {ref} END"
            )
        return "json_object(" + ", ".join(parts) + ")"

    def open(self, tables: list | None = None) -> str:
        """The change table and the triggers of `tables` (SourceTables); returns the current position."""
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {self.name} (seq INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT NOT NULL, "
                "op TEXT NOT NULL, new TEXT, old TEXT, ts REAL NOT NULL)"
            )
            now = "(julianday('now') - 2440587.5) * 86400.0"
            for table in tables or []:
                columns = [c.name for c in table.columns]
                quoted = '"' + table.name.replace('"', '""') + '"'
                lit = "'" + table.name.replace("'", "''") + "'"
                for op, when, new, old in (
                    ("i", "INSERT", self._image("NEW", columns), "NULL"),
                    ("u", "UPDATE", self._image("NEW", columns), self._image("OLD", columns)),
                    ("d", "DELETE", "NULL", self._image("OLD", columns)),
                ):
                    trigger = self._trigger(table.name, op)
                    conn.execute(
                        f"CREATE TRIGGER IF NOT EXISTS {trigger} AFTER {when} ON {quoted} BEGIN "
                        f"INSERT INTO {self.name} (tbl, op, new, old, ts) VALUES ({lit}, '{op.upper()}', {new}, {old}, {now}); END"
                    )
            row = conn.execute(f"SELECT coalesce(max(seq), 0) FROM {self.name}").fetchone()
            seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (self.name,)).fetchone()
            conn.execute("COMMIT")
            return f"seq:{max(row[0], seq[0] if seq else 0)}"
        finally:
            conn.close()

    def _trigger(self, table: str, op: str) -> str:
        return f'"{self.name}_{table.replace(chr(34), "")}_{op}"'

    def current_position(self) -> str:
        return self.open([])

    @contextlib.contextmanager
    def snapshot(self, tables: list | None = None) -> Iterator[tuple[str, Database]]:
        yield self.open(tables), self.source

    def events(self, after: str | None, limit: int = 20000) -> Iterator[tuple]:
        floor = position_key(after) if after else 0
        conn = self._connect()
        try:
            rows = conn.execute(
                f"SELECT seq, tbl, op, new, old, ts FROM {self.name} WHERE seq > ? ORDER BY seq LIMIT ?",
                (floor, limit),
            ).fetchall()
        finally:
            conn.close()
        if not rows:
            return
        yield ("B",)
        for _seq, table, op, new, old, _ts in rows:
            new_row = json.loads(new, object_hook=_hook) if new else None
            old_row = json.loads(old, object_hook=_hook) if old else None
            if op == "I":
                yield ("C", Change(INSERT, "main", table, new_row))
            elif op == "U":
                yield ("C", Change(UPDATE, "main", table, new_row, old_row))
            else:
                yield ("C", Change(DELETE, "main", table, old_row))
        yield ("E", f"seq:{rows[-1][0]}", float(rows[-1][5]))

    def ack(self, position: str) -> None:
        conn = self._connect()
        try:
            conn.execute(f"DELETE FROM {self.name} WHERE seq <= ?", (position_key(position),))
        finally:
            conn.close()

    def server_time(self) -> float:
        import time

        return time.time()

    def close(self) -> None:
        return None

    def drop(self) -> None:
        conn = self._connect()
        try:
            names = [
                r[0]
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE ? ESCAPE '\\'",
                    (self.name.replace("_", "\\_") + "\\_%",),
                )
            ]
            for name in names:
                conn.execute(f'DROP TRIGGER IF EXISTS "{name}"')
            conn.execute(f"DROP TABLE IF EXISTS {self.name}")
        finally:
            conn.close()
