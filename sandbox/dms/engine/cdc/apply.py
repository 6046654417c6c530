"""Apply captured changes to the target: idempotent upserts and deletes by key, in commit order.

Each change is mapped through its table's plan (the same `TableLoader` the full load uses: target names,
renamed and removed columns, change-data-type, add-column expressions, LOB truncation, source filters) and
written with the target's upsert: PostgreSQL and SQLite `INSERT ... ON CONFLICT (key) DO UPDATE`,
MySQL/MariaDB `INSERT ... ON DUPLICATE KEY UPDATE`; deletes by key. An update that changes the key deletes the
old key first. A row that an update moves out of a source filter is deleted on the target. Replaying a
change twice gives the same rows, which is what makes the full-load handoff and a resume after a crash
exact. Tables without a primary key get their inserts only (updates and deletes cannot find the row).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ..connect import Database
from ..fullload import TableLoader
from ..rows import Expressions as _Expressions
from ..rows import to_mysql as _to_mysql
from ..rows import to_sqlite as _to_sqlite
from .model import DELETE, INSERT, Change

_SQLITE_NATIVE = (int, float, str, bytes, type(None))


def _coerce(sample: Any, text: Any) -> Any:
    if isinstance(sample, bool | int | float | Decimal):
        try:
            return Decimal(str(text))
        except InvalidOperation:
            return text
    if isinstance(sample, datetime):
        return datetime.fromisoformat(str(text))
    if isinstance(sample, date):
        return date.fromisoformat(str(text))
    return str(text)


def passes_filters(loader: TableLoader, row: dict[str, Any]) -> bool:
    """The source filters of the table's selection rules, evaluated on a changed row (as DMS does in CDC)."""
    for f in loader.plan.filters:
        if f.column not in row:
            continue
        v = row[f.column]
        op = f.operator
        if op == "null":
            ok = v is None
        elif op == "notnull":
            ok = v is not None
        elif v is None:
            ok = False
        else:
            value = Decimal(v) if isinstance(v, bool | int | float) else v
            if op in ("between", "notbetween"):
                inside = _coerce(v, f.start) <= value <= _coerce(v, f.end)
                ok = inside if op == "between" else not inside
            else:
                other = _coerce(v, f.value)
                ok = {"eq": value == other, "noteq": value != other, "gte": value >= other}.get(
                    op, value <= other
                )
        if not ok:
            return False
    return True


class TableApplier:
    """SQL and value conversion of one table's changes."""

    def __init__(self, loader: TableLoader) -> None:
        self.loader = loader
        self.target: Database = loader.target
        self.key = list(loader.plan.primary_key)
        self.expressions = _Expressions(loader.computed) if loader.computed else None
        self._sql: dict[tuple, str] = {}
        self.by_source = {c.source: c for c in loader.copied}
        self.key_sources = [c.source for c in loader.copied if c.target in self.key]

    def convert(self, value: Any, column: Any) -> Any:
        if value is None:
            return None
        if column.type.name == "BOOLEAN" and not isinstance(value, str):
            value = bool(value)
        limit = self.loader.lob_limit
        if limit is not None and self.loader._is_lob(column) and len(value) > limit:
            value = value[:limit]
        dialect = self.target.dialect
        if dialect == "mysql":
            return _to_mysql(value)
        if dialect == "sqlite":
            return value if type(value) in _SQLITE_NATIVE else _to_sqlite(value)
        if isinstance(value, dict | list):
            return json.dumps(value)
        if isinstance(value, set):
            return ",".join(sorted(value))
        return value

    def target_row(self, row: dict[str, Any]) -> dict[str, Any]:
        out = {c.target: self.convert(row[c.source], c) for c in self.loader.copied if c.source in row}
        if self.expressions is not None and all(c.source in row for c in self.loader.copied):
            out.update(self.expressions.evaluate({c.source: row[c.source] for c in self.loader.copied}))
        return out

    def key_of(self, row: dict[str, Any]) -> tuple | None:
        if not self.key_sources or any(k not in row for k in self.key_sources):
            return None
        return tuple(self.convert(row[k], self.by_source[k]) for k in self.key_sources)

    def upsert_sql(self, columns: tuple[str, ...]) -> str:
        sql = self._sql.get(("U", columns))
        if sql is None:
            q, ph, name = self.target.quote, self.target.placeholder, self.loader.target_name
            cols = ", ".join(q(c) for c in columns)
            sql = f"INSERT INTO {name} ({cols}) VALUES ({', '.join([ph] * len(columns))})"
            others = [c for c in columns if c not in self.key]
            if self.key and self.target.dialect == "mysql":
                assign = ", ".join(f"{q(c)} = VALUES({q(c)})" for c in (others or self.key[:1]))
                sql += f" ON DUPLICATE KEY UPDATE {assign}"
            elif self.key:
                keys = ", ".join(q(k) for k in self.key)
                action = (
                    "UPDATE SET " + ", ".join(f"{q(c)} = excluded.{q(c)}" for c in others)
                    if others
                    else "NOTHING"
                )
                sql += f" ON CONFLICT ({keys}) DO {action}"
            self._sql[("U", columns)] = sql
        return sql

    def delete_sql(self) -> str:
        sql = self._sql.get(("D",))
        if sql is None:
            q, ph = self.target.quote, self.target.placeholder
            where = " AND ".join(f"{q(k)} = {ph}" for k in self.key)
            sql = self._sql[("D",)] = f"DELETE FROM {self.loader.target_name} WHERE {where}"
        return sql

    def statements(self, change: Change) -> Iterable[tuple[str, tuple]]:
        """(sql, params) for one change, in order."""
        if change.op == DELETE:
            key = self.key_of(change.row)
            if key is not None:
                yield self.delete_sql(), key
            return
        if not self.key and change.op != INSERT:
            return  # no key: the row cannot be found
        if change.old_key:
            old, new = self.key_of(change.old_key), self.key_of(change.row)
            if old is not None and new is not None and old != new:
                yield self.delete_sql(), old
        if not passes_filters(self.loader, change.row):
            key = self.key_of(change.row)
            if key is not None:
                yield self.delete_sql(), key
            return
        row = self.target_row(change.row)
        columns = tuple(row)
        yield self.upsert_sql(columns), tuple(row[c] for c in columns)


class Applier:
    """Writes batches of changes to the target in one transaction, grouping runs of one statement."""

    def __init__(self, target: Database, loaders: dict[tuple[str, str], TableLoader]) -> None:
        self.target = target
        self.tables = {k: TableApplier(v) for k, v in loaders.items()}
        self._conn: Any = None

    def _connection(self) -> Any:
        if self._conn is None:
            self._conn = self.target.raw()
        return self._conn

    def apply(self, changes: Iterable[Change]) -> dict[tuple[str, str, str], int]:
        """Execute `changes` in order inside the open target transaction; counts per (schema, table, op)."""
        conn = self._connection()
        counts: dict[tuple[str, str, str], int] = {}
        runs: list[tuple[str, list[tuple]]] = []
        for change in changes:
            table = self.tables.get((change.schema, change.table))
            if table is None:
                continue
            key = (change.schema, change.table, change.op)
            counts[key] = counts.get(key, 0) + 1
            for sql, params in table.statements(change):
                if runs and runs[-1][0] == sql:
                    runs[-1][1].append(params)
                else:
                    runs.append((sql, [params]))
        try:
            with self._lock():
                cur = conn.cursor()
                for sql, rows in runs:
                    self._execute(cur, sql, rows)
        except BaseException:
            self.close()
            raise
        return counts

    def commit(self) -> None:
        try:
            with self._lock():
                self._connection().commit()
        except BaseException:
            self.close()
            raise

    def _lock(self) -> Any:
        return self.target.write_lock if self.target.dialect == "sqlite" else contextlib.nullcontext()

    def _execute(self, cur: Any, sql: str, rows: list[tuple]) -> None:
        if len(rows) == 1:
            cur.execute(sql, rows[0])
        elif self.target.dialect == "postgresql":
            from psycopg2.extras import execute_batch

            execute_batch(cur, sql, rows, page_size=200)
        else:
            cur.executemany(sql, rows)

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.rollback()
                self._conn.close()
            except Exception:
                pass
            self._conn = None
