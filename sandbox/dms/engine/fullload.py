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

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import inspect

from .bulk import copy_mysql_to_pg
from .connect import Database
from .copying import BulkCopy
from .errors import LoadCancelled
from .mappings import ColumnPlan, TablePlan
from .types import target_ddl

_SCHEMA_LOCK = threading.Lock()


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


# The loader -------------------------------------------------------------------------------------------------


class TableLoader(BulkCopy):
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
        self.commit_rate = options.commit_rate
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

    @property
    def target_owner(self) -> str:
        """Schema of the target table as DMS reports it (TABLE_OWNER, SchemaName)."""
        if self.target.dialect == "postgresql":
            return self.plan.target_schema
        if self.target.dialect == "mysql":
            return str(self.target.url.database or self.plan.target_schema)
        return "main"

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


class _nullcontext:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
