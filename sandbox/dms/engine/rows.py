"""Rows on their way to the target: values converted per target, add-column expressions, batch writes,
and the reader that counts rows through a COPY pipe."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import IO, Any

from .connect import Database
from .errors import LoadCancelled
from .mappings import ColumnPlan

# Value conversion per target ------------------------------------------------------------------------------

_PG_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def pg_text(v: Any) -> str:
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


SQLITE_NATIVE = (int, float, str, bytes, type(None))


def to_sqlite(v: Any) -> Any:
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


def to_mysql(v: Any) -> Any:
    t = type(v)
    if t is memoryview or t is bytearray:
        return bytes(v)
    if t is dict or t is list:
        return json.dumps(v)
    return v


# Expressions for add-column ------------------------------------------------------------------------------

_EXPR_REF = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


class Expressions:
    """add-column expressions are SQLite expressions over `$column` (as in DMS): evaluated by SQLite."""

    def __init__(self, columns: list[ColumnPlan]) -> None:
        self.conn = sqlite3.connect(":memory:", check_same_thread=False)
        self.items = [(c, f"SELECT {c.expression}") for c in columns if c.expression]

    def evaluate(self, values: dict[str, Any]) -> dict[str, Any]:
        params = {k: (v if type(v) in SQLITE_NATIVE else to_sqlite(v)) for k, v in values.items()}
        out = {}
        for column, sql in self.items:
            names = {m.group(1) for m in _EXPR_REF.finditer(column.expression or "")}
            out[column.target] = self.conn.execute(sql, {n: params.get(n) for n in names}).fetchone()[0]
        return out


class CountingReader:
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


class BatchWriter:
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
            buf.writelines("\t".join(map(pg_text, row)) + "\n" for row in rows)
            buf.seek(0)
            cur.copy_expert(self.copy, buf, size=1 << 18)
            self.conn.commit()
        elif dialect == "mysql":
            cur.executemany(self.insert, [tuple(map(to_mysql, row)) for row in rows])
            self.conn.commit()
        else:
            converted = [
                row
                if all(type(v) in SQLITE_NATIVE for v in row)
                else tuple(v if type(v) in SQLITE_NATIVE else to_sqlite(v) for v in row)
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


def copy_through_pipe(
    target_conn: Any,
    copy_in: str,
    produce: Callable[[IO[bytes]], None],
    on_rows: Callable[[int], None],
    stop: threading.Event,
    every: int,
) -> int:
    """`produce(writer)` writes COPY text into an OS pipe in a thread; `copy_in` (COPY ... FROM STDIN) reads it
    on `target_conn`, committed once at the end. Returns the rows copied; LoadCancelled when `stop` is set."""
    read_fd, write_fd = os.pipe()
    reader = os.fdopen(read_fd, "rb", buffering=1 << 20)
    writer = os.fdopen(write_fd, "wb", buffering=1 << 20)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            produce(writer)
        except BaseException as exc:
            errors.append(exc)
        finally:
            with contextlib.suppress(OSError):
                writer.close()

    producer = threading.Thread(target=run, name="dms-copy-out", daemon=True)
    producer.start()
    counter = CountingReader(reader, on_rows, stop, every)
    try:
        try:
            target_conn.cursor().copy_expert(copy_in, counter, size=1 << 18)
        except BaseException as exc:
            reader.close()
            producer.join()
            target_conn.rollback()
            if stop.is_set():  # psycopg2 wraps the reader's LoadCancelled in its own error
                raise LoadCancelled() from exc
            raise
        producer.join()
        if errors:
            target_conn.rollback()
            raise errors[0]
        if stop.is_set():
            target_conn.rollback()
            raise LoadCancelled()
        target_conn.commit()
        counter.flush()
        return counter.rows
    finally:
        for f in (reader, writer):
            with contextlib.suppress(OSError):
                f.close()
