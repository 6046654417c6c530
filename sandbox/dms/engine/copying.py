"""The three ways a segment of a table is copied (chosen per table by `TableLoader._load_segment`):

- PostgreSQL -> PostgreSQL: `COPY (SELECT ...) TO STDOUT` piped into `COPY ... FROM STDIN` (one transaction);
- SQLite -> SQLite: the source ATTACHed, `INSERT INTO ... SELECT` in keyset batches of CommitRate rowids;
- anything else: a server-side cursor, rows converted in Python, written in CommitRate batches.
Limited LOB mode truncates LOB values longer than the limit and counts each truncated value.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

from .connect import Database
from .errors import LoadCancelled
from .mappings import ColumnPlan, TablePlan
from .rows import BatchWriter, Expressions, copy_through_pipe
from .types import BINARY_TYPES


class BulkCopy:
    """The copy paths of `TableLoader` (its base class): what they use of the loader is declared here."""

    source: Database
    target: Database
    plan: TablePlan
    on_rows: Callable[[int], None]
    stop: threading.Event
    copied: list[ColumnPlan]
    computed: list[ColumnPlan]
    lob_limit: int | None
    commit_rate: int
    _truncated: int
    _lock: threading.Lock

    @property
    def source_name(self) -> str:
        return self.source.qualified(self.plan.source_schema, self.plan.source_table)

    @property
    def target_name(self) -> str:
        return self.target.qualified(self.plan.target_schema, self.plan.target_table)

    def _is_lob(self, c: ColumnPlan) -> bool:
        return c.source_type is not None and c.source_type.is_lob

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

    def _copy_out(self, src_cur: Any, clauses: list[str], params: list[Any]) -> str:
        """The source's COPY ... TO STDOUT: of the table itself when nothing is filtered or cut."""
        plain = not clauses and not (self.lob_limit is not None and any(self._is_lob(c) for c in self.copied))
        plain = plain and not any(c.source_type is not None and c.source_type.fixed for c in self.copied)
        if plain:  # COPY of a partitioned table itself is refused: its rows are in the partitions
            src_cur.execute("SELECT relkind FROM pg_class WHERE oid = %s::regclass", (self.source_name,))
            plain = src_cur.fetchone()[0] != "p"
        if plain:  # the whole table, no expressions: COPY of the table itself is the cheaper form
            cols = ", ".join(self.source.quote(c.source) for c in self.copied)
            return f"COPY {self.source_name} ({cols}) TO STDOUT"
        select = self._pg_select(clauses)
        return f"COPY ({src_cur.mogrify(select, params).decode() if params else select}) TO STDOUT"

    def _copy_pg_pg(self, clauses: list[str], params: list[Any]) -> int:
        def length(c: ColumnPlan) -> str:
            q = self.source.quote(c.source)
            return f"octet_length({q})" if c.source_type.name in BINARY_TYPES else f"length({q}::text)"

        self._count_truncations(clauses, params, length)
        src, tgt = self.source.raw(), self.target.raw()
        try:
            src_cur = src.cursor()
            copy_out = self._copy_out(src_cur, clauses, params)
            cols = ", ".join(self.target.quote(c.target) for c in self.copied)
            return copy_through_pipe(
                tgt,
                f"COPY {self.target_name} ({cols}) FROM STDIN",
                lambda writer: src_cur.copy_expert(copy_out, writer, size=1 << 18),
                self.on_rows,
                self.stop,
                self.commit_rate,
            )
        finally:
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
        batch = self.commit_rate
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
            cur.itersize = self.commit_rate
            return cur
        if self.source.dialect == "mysql":
            import pymysql.cursors

            return conn.cursor(pymysql.cursors.SSCursor)
        return conn.cursor()

    def _copy_rows(self, clauses: list[str], params: list[Any]) -> int:
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        select = f"SELECT {', '.join(self._source_exprs())} FROM {self.source_name}{where}"
        writer = BatchWriter(self.target, self.target_name, [c.target for c in self.copied + self.computed])
        lob_positions = (
            [i for i, c in enumerate(self.copied) if self._is_lob(c)] if self.lob_limit is not None else []
        )
        expressions = Expressions(self.computed) if self.computed else None
        source_names = [c.source for c in self.copied]
        src = self.source.raw()
        total = 0
        try:
            cur = self._open_source_cursor(src)
            cur.execute(select, params) if params else cur.execute(select)
            while True:
                if self.stop.is_set():
                    raise LoadCancelled()
                rows = cur.fetchmany(self.commit_rate)
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
