"""Full load of one table: prepare the target table, then stream rows in CommitRate batches.

Paths, chosen per table:
- PostgreSQL → PostgreSQL: `COPY (SELECT ...) TO STDOUT` on the source piped into `COPY ... FROM STDIN` on
  the target through an OS pipe (one COPY, one transaction per segment; bounded by the pipe buffer).
- SQLite → SQLite: the source file is ATTACHed to the target connection and rows move with
  `INSERT INTO ... SELECT` in keyset batches of CommitRate rowids (progress and Stop are checked between
  batches), one transaction per segment (a commit per batch cost 25% of the time: measured).
- anything else: a server-side cursor on the source (PostgreSQL named cursor, MySQL SSCursor, SQLite cursor),
  rows converted in Python, written in CommitRate batches (PostgreSQL: COPY FROM STDIN of the batch;
  MySQL/MariaDB and SQLite: executemany), each batch committed.
Limited LOB mode truncates LOB values longer than the limit (text by characters, binary by bytes) and counts
each truncated value. The target table gets the mapped columns, their nullability and the primary key; no
secondary indexes, defaults or foreign keys (as DMS).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect

from .bulk import copy_mysql_to_pg
from .connect import Database
from .mappings import ColumnPlan, TablePlan
from .types import BINARY_TYPES, target_ddl

_SCHEMA_LOCK = threading.Lock()


class LoadCancelled(Exception):
    """The task was stopped while this table loaded."""


@dataclass(frozen=True)
class LoadOptions:
    prep_mode: str = "DROP_AND_CREATE"
    commit_rate: int = 10000
    max_subtasks: int = 8
    support_lobs: bool = True
    lob_max_bytes: int | None = 32 * 1024  # None: full LOB mode


@dataclass
class TableOutcome:
    rows: int = 0
    truncated_lobs: int = 0


# Value conversion per target ------------------------------------------------------------------------------

_PG_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _pg_text(v: Any) -> str:
    if v is None:
        return "\\N"
    t = type(v)
    if t is str:
        return v.translate(_PG_ESCAPES)
    if t is int or t is float or t is Decimal:
        return str(v)
    if t is bool:
        return "t" if v else "f"
    if t is bytes or t is memoryview or t is bytearray:
        return "\\\\x" + bytes(v).hex()
    if t is datetime:
        return v.isoformat(sep=" ")
    if t is date or t is time:
        return v.isoformat()
    if t is dict or t is list:
        return json.dumps(v).translate(_PG_ESCAPES)
    return str(v).translate(_PG_ESCAPES)


_SQLITE_NATIVE = (int, float, str, bytes, type(None))


def _to_sqlite(v: Any) -> Any:
    t = type(v)
    if t is bool:
        return int(v)
    if t is Decimal:
        return str(v)
    if t is datetime:
        return v.isoformat(sep=" ")
    if t is date or t is time:
        return v.isoformat()
    if t is memoryview or t is bytearray:
        return bytes(v)
    if t is dict or t is list:
        return json.dumps(v)
    if t is timedelta:
        return str(v)
    return str(v)


def _to_mysql(v: Any) -> Any:
    t = type(v)
    if t is memoryview or t is bytearray:
        return bytes(v)
    if t is dict or t is list:
        return json.dumps(v)
    return v


# Expressions for add-column ------------------------------------------------------------------------------

_EXPR_REF = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


class _Expressions:
    """add-column expressions are SQLite expressions over `$column` (as in DMS): evaluated by SQLite."""

    def __init__(self, columns: list[ColumnPlan]) -> None:
        self.conn = sqlite3.connect(":memory:", check_same_thread=False)
        self.items = [(c, f"SELECT {c.expression}") for c in columns if c.expression]

    def evaluate(self, values: dict[str, Any]) -> dict[str, Any]:
        params = {k: (v if type(v) in _SQLITE_NATIVE else _to_sqlite(v)) for k, v in values.items()}
        out = {}
        for column, sql in self.items:
            names = {m.group(1) for m in _EXPR_REF.finditer(column.expression or "")}
            out[column.target] = self.conn.execute(sql, {n: params.get(n) for n in names}).fetchone()[0]
        return out


# The loader -------------------------------------------------------------------------------------------------


class TableLoader:
    """Loads one TablePlan from source to target."""

    def __init__(
        self,
        source: Database,
        target: Database,
        plan: TablePlan,
        options: LoadOptions,
        on_rows: Callable[[int], None] = lambda n: None,
        stop: threading.Event | None = None,
    ) -> None:
        self.source, self.target, self.plan, self.options = source, target, plan, options
        self.on_rows = on_rows
        self.stop = stop or threading.Event()
        self.columns = self._effective_columns()
        self.copied = [c for c in self.columns if c.source is not None]
        self.computed = [c for c in self.columns if c.source is None]
        self.lob_limit = self._lob_limit()
        self._truncated = 0
        self._lock = threading.Lock()

    # plan details
    def _effective_columns(self) -> list[ColumnPlan]:
        lob_mode = self.plan.lob_mode
        drop_lobs = not self.options.support_lobs or lob_mode == "none"
        return [
            c
            for c in self.plan.columns
            if not (
                drop_lobs
                and c.source_type is not None
                and c.source_type.is_lob
                and c.target not in self.plan.primary_key
            )
        ]

    def _lob_limit(self) -> int | None:
        if self.plan.lob_mode == "unlimited":
            return None
        if self.plan.lob_mode == "limited" and self.plan.lob_max_bytes is not None:
            return self.plan.lob_max_bytes
        return self.options.lob_max_bytes

    def _is_lob(self, c: ColumnPlan) -> bool:
        return c.source_type is not None and c.source_type.is_lob

    @property
    def target_name(self) -> str:
        return self.target.qualified(self.plan.target_schema, self.plan.target_table)

    @property
    def target_owner(self) -> str:
        """Schema of the target table as DMS reports it (TABLE_OWNER, SchemaName)."""
        if self.target.dialect == "postgresql":
            return self.plan.target_schema
        if self.target.dialect == "mysql":
            return str(self.target.url.database or self.plan.target_schema)
        return "main"

    @property
    def source_name(self) -> str:
        return self.source.qualified(self.plan.source_schema, self.plan.source_table)

    # where clauses
    def filter_sql(self, db: Database | None = None) -> tuple[list[str], list[Any]]:
        db = db or self.source
        q, ph = db.quote, db.placeholder
        clauses, params = [], []
        for f in self.plan.filters:
            col = q(f.column)
            op = f.operator
            if op == "eq":
                clauses.append(f"{col} = {ph}")
                params.append(f.value)
            elif op == "noteq":
                clauses.append(f"{col} <> {ph}")
                params.append(f.value)
            elif op == "gte":
                clauses.append(f"{col} >= {ph}")
                params.append(f.value)
            elif op in ("lte", "ste"):
                clauses.append(f"{col} <= {ph}")
                params.append(f.value)
            elif op == "between":
                clauses.append(f"{col} BETWEEN {ph} AND {ph}")
                params.extend([f.start, f.end])
            elif op == "notbetween":
                clauses.append(f"{col} NOT BETWEEN {ph} AND {ph}")
                params.extend([f.start, f.end])
            elif op == "null":
                clauses.append(f"{col} IS NULL")
            elif op == "notnull":
                clauses.append(f"{col} IS NOT NULL")
        return clauses, params

    def segments(self) -> list[tuple[list[str], list[Any]]]:
        """parallel-load ranges: (where clauses, params) per segment; one segment otherwise."""
        if not self.plan.parallel_columns or not self.plan.parallel_ranges:
            return [([], [])]
        q, ph = self.source.quote, self.source.placeholder
        cols = self.plan.parallel_columns
        lhs = q(cols[0]) if len(cols) == 1 else "(" + ", ".join(q(c) for c in cols) + ")"

        def rhs() -> str:
            return ph if len(cols) == 1 else "(" + ", ".join([ph] * len(cols)) + ")"

        out: list[tuple[list[str], list[Any]]] = []
        previous: list[Any] | None = None
        for boundary in self.plan.parallel_ranges:
            clauses, params = [f"{lhs} <= {rhs()}"], list(boundary)
            if previous is not None:
                clauses.insert(0, f"{lhs} > {rhs()}")
                params = list(previous) + params
            out.append((clauses, params))
            previous = boundary
        out.append(([f"{lhs} > {rhs()}"], list(previous or [])))
        return out

    def count_source_rows(self) -> int:
        clauses, params = self.filter_sql()
        sql = f"SELECT count(*) FROM {self.source_name}" + (
            " WHERE " + " AND ".join(clauses) if clauses else ""
        )
        conn = self.source.raw()
        try:
            cur = conn.cursor()
            cur.execute(sql, params)
            return int(cur.fetchone()[0])
        finally:
            conn.close()

    # target preparation
    def create_table_sql(self) -> str:
        dialect = self.target.dialect
        q = self.target.quote
        parts = []
        for c in self.columns:
            ddl = target_ddl(c.type, dialect, in_primary_key=c.target in self.plan.primary_key)
            null = " NOT NULL" if (not c.nullable or c.target in self.plan.primary_key) else ""
            parts.append(f"{q(c.target)} {ddl}{null}")
        if self.plan.primary_key:
            parts.append("PRIMARY KEY (" + ", ".join(q(k) for k in self.plan.primary_key) + ")")
        suffix = " ENGINE=InnoDB" if dialect == "mysql" else ""  # the database default charset/collation
        return f"CREATE TABLE {self.target_name} (\n  " + ",\n  ".join(parts) + f"\n){suffix}"

    @property
    def _target_database_per_schema(self) -> bool:
        return self.target.dialect == "mysql" and not self.target.url.database

    def _target_exists(self) -> bool:
        per_schema = self.target.dialect == "postgresql" or self._target_database_per_schema
        schema = self.plan.target_schema if per_schema else None
        return inspect(self.target.engine).has_table(self.plan.target_table, schema=schema)

    def _ensure_schema(self) -> None:
        """The target schema (PostgreSQL) or database (MySQL without DatabaseName), created when missing.

        Created alone and committed, one table at a time: parallel subtasks creating the same new schema
        at once would otherwise collide on pg_namespace's unique key."""
        if self.target.dialect == "postgresql":
            sql = f"CREATE SCHEMA IF NOT EXISTS {self.target.quote(self.plan.target_schema)}"
        elif self._target_database_per_schema:
            sql = f"CREATE DATABASE IF NOT EXISTS {self.target.quote(self.plan.target_schema)}"
        else:
            return
        with _SCHEMA_LOCK:
            try:
                self._run_target([sql])
            except Exception:
                self._run_target([sql])  # another process created it between the check and the insert

    def prepare(self) -> None:
        mode = self.options.prep_mode
        statements = []
        self._ensure_schema()
        exists = self._target_exists()
        if mode == "DROP_AND_CREATE":
            if exists:
                statements.append(f"DROP TABLE {self.target_name}")
            statements.append(self.create_table_sql())
        elif not exists:
            statements.append(self.create_table_sql())
        elif mode == "TRUNCATE_BEFORE_LOAD":
            keyword = "DELETE FROM" if self.target.dialect == "sqlite" else "TRUNCATE TABLE"
            statements.append(f"{keyword} {self.target_name}")
        self._run_target(statements)

    def _run_target(self, statements: list[str]) -> None:
        with self.target.write_lock if self.target.dialect == "sqlite" else _nullcontext():
            conn = self.target.raw()
            try:
                cur = conn.cursor()
                for sql in statements:
                    cur.execute(sql)
                conn.commit()
            finally:
                conn.close()

    # loading
    def load(self) -> TableOutcome:
        """Prepare the target table and copy every segment (parallel-load segments in parallel)."""
        self.prepare()
        segments = self.segments()
        if len(segments) == 1:
            rows = self._load_segment(*segments[0])
        else:
            workers = max(1, min(self.options.max_subtasks, len(segments)))
            with ThreadPoolExecutor(workers, thread_name_prefix="dms-segment") as pool:
                rows = sum(pool.map(lambda s: self._load_segment(*s), segments))
        return TableOutcome(rows, self._truncated)

    def _load_segment(self, clauses: list[str], params: list[Any]) -> int:
        filter_clauses, filter_params = self.filter_sql()
        clauses = filter_clauses + clauses
        params = filter_params + params
        if self.stop.is_set():
            raise LoadCancelled()
        s, t = self.source.dialect, self.target.dialect
        if not self.computed and s == t == "postgresql":
            return self._copy_pg_pg(clauses, params)
        if not self.computed and s == t == "sqlite":
            return self._copy_sqlite_sqlite(clauses, params)
        if not self.computed and s == "mysql" and t == "postgresql":
            return copy_mysql_to_pg(self, clauses, params)
        return self._copy_rows(clauses, params)

    def _count_truncations(
        self, clauses: list[str], params: list[Any], length_fn: Callable[[ColumnPlan], str]
    ) -> None:
        if self.lob_limit is None:
            return
        lobs = [c for c in self.copied if self._is_lob(c)]
        if not lobs:
            return
        total = 0
        conn = self.source.raw()
        try:
            cur = conn.cursor()
            for c in lobs:
                where = [*clauses, f"{length_fn(c)} > {self.lob_limit}"]
                cur.execute(f"SELECT count(*) FROM {self.source_name} WHERE " + " AND ".join(where), params)
                total += int(cur.fetchone()[0])
        finally:
            conn.close()
        with self._lock:
            self._truncated += total

    # PostgreSQL → PostgreSQL
    def _pg_select(self, clauses: list[str]) -> str:
        q = self.source.quote
        exprs = []
        for c in self.copied:
            expr = q(c.source)
            if c.source_type is not None and c.source_type.fixed:
                expr = f"{expr}::text"  # CHAR(n) without its blank padding, as the validator reads it
            elif self._is_lob(c) and self.lob_limit is not None:
                if c.source_type.name in BINARY_TYPES:
                    expr = f"substring({expr} from 1 for {self.lob_limit})"
                else:
                    expr = f"left({expr}::text, {self.lob_limit})"
            exprs.append(expr)
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        return f"SELECT {', '.join(exprs)} FROM {self.source_name}{where}"

    def _copy_pg_pg(self, clauses: list[str], params: list[Any]) -> int:
        def length(c: ColumnPlan) -> str:
            q = self.source.quote(c.source)
            return f"octet_length({q})" if c.source_type.name in BINARY_TYPES else f"length({q}::text)"

        self._count_truncations(clauses, params, length)
        src = self.source.raw()
        tgt = self.target.raw()
        read_fd, write_fd = os.pipe()
        reader = os.fdopen(read_fd, "rb", buffering=1 << 20)
        writer = os.fdopen(write_fd, "wb", buffering=1 << 20)
        errors: list[BaseException] = []
        try:
            src_cur = src.cursor()
            select = (
                src_cur.mogrify(self._pg_select(clauses), params).decode()
                if params
                else self._pg_select(clauses)
            )
            plain = not clauses and not (
                self.lob_limit is not None and any(self._is_lob(c) for c in self.copied)
            )
            plain = plain and not any(c.source_type is not None and c.source_type.fixed for c in self.copied)
            if plain:  # COPY of a partitioned table itself is refused: its rows are in the partitions
                src_cur.execute("SELECT relkind FROM pg_class WHERE oid = %s::regclass", (self.source_name,))
                plain = src_cur.fetchone()[0] != "p"
            if plain:  # the whole table, no expressions: COPY of the table itself is the cheaper form
                cols = ", ".join(self.source.quote(c.source) for c in self.copied)
                copy_out = f"COPY {self.source_name} ({cols}) TO STDOUT"
            else:
                copy_out = f"COPY ({select}) TO STDOUT"

            def produce() -> None:
                try:
                    src_cur.copy_expert(copy_out, writer, size=1 << 18)
                except BaseException as exc:
                    errors.append(exc)
                finally:
                    with contextlib.suppress(OSError):
                        writer.close()

            producer = threading.Thread(target=produce, name="dms-copy-out", daemon=True)
            producer.start()
            counter = _CountingReader(reader, self.on_rows, self.stop, self.options.commit_rate)
            cols = ", ".join(self.target.quote(c.target) for c in self.copied)
            try:
                tgt.cursor().copy_expert(
                    f"COPY {self.target_name} ({cols}) FROM STDIN", counter, size=1 << 18
                )
            except BaseException as exc:
                reader.close()
                producer.join()
                tgt.rollback()
                if self.stop.is_set():  # psycopg2 wraps the reader's LoadCancelled in its own error
                    raise LoadCancelled() from exc
                raise
            producer.join()
            if errors:
                tgt.rollback()
                raise errors[0]
            if self.stop.is_set():
                tgt.rollback()
                raise LoadCancelled()
            tgt.commit()
            counter.flush()
            return counter.rows
        finally:
            for f in (reader, writer):
                with contextlib.suppress(OSError):
                    f.close()
            src.close()
            tgt.close()

    # SQLite → SQLite
    def _copy_sqlite_sqlite(self, clauses: list[str], params: list[Any]) -> int:
        q = self.source.quote
        src_name = f"dms_src.{q(self.plan.source_table)}"
        if self._without_rowid():
            return self._copy_rows(clauses, params)

        def length(c: ColumnPlan) -> str:
            return f"length({q(c.source)})"

        self._count_truncations(clauses, params, length)
        exprs = []
        for c in self.copied:
            expr = q(c.source)
            if self._is_lob(c) and self.lob_limit is not None:
                expr = f"CASE WHEN length({expr}) > {self.lob_limit} THEN substr({expr}, 1, {self.lob_limit}) ELSE {expr} END"
            exprs.append(expr)
        cols = ", ".join(self.target.quote(c.target) for c in self.copied)
        batch = self.options.commit_rate
        base_where = list(clauses)
        total = 0
        with self.target.write_lock:
            conn = self.target.raw()
            try:
                conn.execute("ATTACH DATABASE ? AS dms_src", (self.source.sqlite_path,))
                try:
                    last = None
                    while True:
                        if self.stop.is_set():
                            raise LoadCancelled()
                        lower = ["rowid > ?"] if last is not None else []
                        lower_params = [last] if last is not None else []
                        row = conn.execute(
                            f"SELECT rowid FROM {src_name}"
                            + (" WHERE " + " AND ".join(lower) if lower else "")
                            + f" ORDER BY rowid LIMIT 1 OFFSET {batch - 1}",
                            lower_params,
                        ).fetchone()
                        upper = row[0] if row else None
                        where = base_where + lower + (["rowid <= ?"] if upper is not None else [])
                        where_params = params + lower_params + ([upper] if upper is not None else [])
                        cur = conn.execute(
                            f"INSERT INTO main.{self.target.quote(self.plan.target_table)} ({cols}) "
                            f"SELECT {', '.join(exprs)} FROM {src_name}"
                            + (" WHERE " + " AND ".join(where) if where else "")
                            + " ORDER BY rowid",
                            where_params,
                        )
                        total += cur.rowcount
                        self.on_rows(cur.rowcount)
                        if upper is None:
                            break
                        last = upper
                    conn.commit()  # one transaction per table segment, as the COPY path
                finally:
                    conn.rollback()
                    conn.execute("DETACH DATABASE dms_src")
            finally:
                conn.close()
        return total

    def _without_rowid(self) -> bool:
        conn = self.source.raw()
        try:
            row = conn.execute(
                "SELECT sql FROM sqlite_master WHERE type='table' AND name=?", (self.plan.source_table,)
            ).fetchone()
        finally:
            conn.close()
        return bool(row and row[0] and "WITHOUT ROWID" in row[0].upper())

    # generic: rows through Python
    def _source_exprs(self) -> list[str]:
        q = self.source.quote
        out = []
        for c in self.copied:
            expr = q(c.source)
            if self.source.dialect == "postgresql" and c.source_type.name in (
                "STRING",
                "WSTRING",
                "CLOB",
                "NCLOB",
            ):
                expr = f"{expr}::text"
            out.append(expr)
        return out

    def _open_source_cursor(self, conn: Any) -> Any:
        if self.source.dialect == "postgresql":
            cur = conn.cursor(name=f"dms_{uuid.uuid4().hex[:12]}")
            cur.itersize = self.options.commit_rate
            return cur
        if self.source.dialect == "mysql":
            import pymysql.cursors

            return conn.cursor(pymysql.cursors.SSCursor)
        return conn.cursor()

    def _copy_rows(self, clauses: list[str], params: list[Any]) -> int:
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        select = f"SELECT {', '.join(self._source_exprs())} FROM {self.source_name}{where}"
        writer = _BatchWriter(self.target, self.target_name, [c.target for c in self.copied + self.computed])
        lob_positions = (
            [i for i, c in enumerate(self.copied) if self._is_lob(c)] if self.lob_limit is not None else []
        )
        expressions = _Expressions(self.computed) if self.computed else None
        source_names = [c.source for c in self.copied]
        src = self.source.raw()
        total = 0
        try:
            cur = self._open_source_cursor(src)
            cur.execute(select, params) if params else cur.execute(select)
            while True:
                if self.stop.is_set():
                    raise LoadCancelled()
                rows = cur.fetchmany(self.options.commit_rate)
                if not rows:
                    break
                if lob_positions:
                    rows = self._truncate(rows, lob_positions)
                if expressions is not None:
                    rows = [
                        tuple(row)
                        + tuple(expressions.evaluate(dict(zip(source_names, row, strict=True))).values())
                        for row in rows
                    ]
                writer.write(rows)
                total += len(rows)
                self.on_rows(len(rows))
            cur.close()
        finally:
            try:
                src.rollback()
            finally:
                src.close()
                writer.close()
        return total

    def _truncate(self, rows: list[Any], positions: list[int]) -> list[Any]:
        limit = self.lob_limit
        out, truncated = [], 0
        for row in rows:
            changed = None
            for i in positions:
                v = row[i]
                if v is not None and len(v) > limit:
                    if changed is None:
                        changed = list(row)
                    changed[i] = v[:limit]
                    truncated += 1
            out.append(tuple(changed) if changed is not None else row)
        if truncated:
            with self._lock:
                self._truncated += truncated
        return out


class _CountingReader:
    """File-like reader over the COPY pipe: counts rows (one line per row in COPY text) and reports them."""

    def __init__(self, raw: Any, on_rows: Callable[[int], None], stop: threading.Event, every: int) -> None:
        self.raw, self.on_rows, self.stop, self.every = raw, on_rows, stop, every
        self.rows = 0
        self._pending = 0

    def read(self, size: int = -1) -> bytes:
        if self.stop.is_set():
            raise LoadCancelled()
        data = self.raw.read(size)
        lines = data.count(b"\n")
        self.rows += lines
        self._pending += lines
        if self._pending >= self.every:
            self.flush()
        return data

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)

    def flush(self) -> None:
        if self._pending:
            self.on_rows(self._pending)
            self._pending = 0


class _BatchWriter:
    """Writes batches of rows to the target and commits each batch."""

    def __init__(self, target: Database, table: str, columns: list[str]) -> None:
        self.target = target
        self.conn = target.raw()
        self.cols = ", ".join(target.quote(c) for c in columns)
        ph = target.placeholder
        self.insert = f"INSERT INTO {table} ({self.cols}) VALUES ({', '.join([ph] * len(columns))})"
        self.copy = f"COPY {table} ({self.cols}) FROM STDIN"

    def write(self, rows: Iterable[tuple]) -> None:
        dialect = self.target.dialect
        cur = self.conn.cursor()
        if dialect == "postgresql":
            buf = io.StringIO()
            buf.writelines("\t".join(map(_pg_text, row)) + "\n" for row in rows)
            buf.seek(0)
            cur.copy_expert(self.copy, buf, size=1 << 18)
            self.conn.commit()
        elif dialect == "mysql":
            cur.executemany(self.insert, [tuple(map(_to_mysql, row)) for row in rows])
            self.conn.commit()
        else:
            converted = [
                row
                if all(type(v) in _SQLITE_NATIVE for v in row)
                else tuple(v if type(v) in _SQLITE_NATIVE else _to_sqlite(v) for v in row)
                for row in rows
            ]
            with self.target.write_lock:
                cur.executemany(self.insert, converted)
                self.conn.commit()

    def close(self) -> None:
        try:
            self.conn.rollback()
        finally:
            self.conn.close()


class _nullcontext:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
