"""Bulk MySQL/MariaDB → PostgreSQL full load: the source formats COPY text, PostgreSQL reads it with COPY.

Row-by-row conversion in Python was the heterogeneous path's cost (0.17x of `mariadb --batch | psql COPY`).
Here MariaDB itself renders each row as one line of PostgreSQL's COPY text format (`CONCAT` of escaped
columns, `\\N` for NULL, bytes as `\\x<hex>`, zero dates as NULL, as the generic path reads them), the lines
are fetched as bytes (one column, no per-value decoding) in CommitRate batches and streamed through an OS
pipe into `COPY ... FROM STDIN` on a second thread: one transaction per segment, like the
PostgreSQL → PostgreSQL path. Limited LOB mode truncates in the SELECT (characters for text, bytes for binary).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from .rows import copy_through_pipe
from .types import BINARY_TYPES, STRING_TYPES

if TYPE_CHECKING:
    from .fullload import TableLoader

BS, TAB, LF, CR = "CHAR(92)", "CHAR(9)", "CHAR(10)", "CHAR(13)"


def _escaped(expr: str) -> str:
    """COPY text escaping (backslash, tab, newline, carriage return), spelled with CHAR() so that the
    server's NO_BACKSLASH_ESCAPES setting does not matter."""
    out = f"REPLACE({expr}, {BS}, CONCAT({BS}, {BS}))"
    for char, letter in ((TAB, "'t'"), (LF, "'n'"), (CR, "'r'")):
        out = f"REPLACE({out}, {char}, CONCAT({BS}, {letter}))"
    return out


def column_expr(loader: TableLoader, column: Any) -> str:
    q = loader.source.quote(column.source)
    kind = column.source_type.name if column.source_type else "NCLOB"
    limit = loader.lob_limit if loader._is_lob(column) else None
    if kind in BINARY_TYPES:
        value = f"SUBSTRING({q}, 1, {limit})" if limit else q
        text = f"CONCAT({BS}, {BS}, 'x', HEX({value}))"
    elif kind in STRING_TYPES:
        text = _escaped(f"LEFT({q}, {limit})" if limit else q)
    elif kind == "DATE":
        text = f"NULLIF({q}, '0000-00-00')"
    elif kind == "DATETIME":
        text = f"IF({q} < '0001-01-01', NULL, {q})"
    else:
        text = q
    return f"IFNULL({text}, CONCAT({BS}, 'N'))"


def select_sql(loader: TableLoader, clauses: list[str]) -> str:
    line = ", CHAR(9), ".join(column_expr(loader, c) for c in loader.copied)
    where = " WHERE " + " AND ".join(clauses) if clauses else ""
    return f"SELECT CAST(CONCAT({line}, CHAR(10)) AS BINARY) FROM {loader.source_name}{where}"


def copy_mysql_to_pg(loader: TableLoader, clauses: list[str], params: list[Any]) -> int:
    """Stream one segment; returns the rows copied (raises LoadCancelled when the task stops)."""
    import pymysql.cursors

    def length(c: Any) -> str:
        name = loader.source.quote(c.source)
        return f"LENGTH({name})" if c.source_type.name in BINARY_TYPES else f"CHAR_LENGTH({name})"

    loader._count_truncations(clauses, params, length)
    src, tgt = loader.source.raw(), loader.target.raw()
    batch = loader.options.commit_rate

    def produce(writer: Any) -> None:
        cur = src.cursor(pymysql.cursors.SSCursor)
        cur.execute(select_sql(loader, clauses), params or None)
        while not loader.stop.is_set():
            rows = cur.fetchmany(batch)
            if not rows:
                break
            writer.write(b"".join(r[0] for r in rows))
        cur.close()

    cols = ", ".join(loader.target.quote(c.target) for c in loader.copied)
    try:
        return copy_through_pipe(
            tgt, f"COPY {loader.target_name} ({cols}) FROM STDIN", produce, loader.on_rows, loader.stop, batch
        )
    finally:
        with contextlib.suppress(Exception):
            src.rollback()
        src.close()
        tgt.close()
