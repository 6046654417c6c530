"""Row-level validation as DMS does it: keyed partitions compared on both sides by a pool of workers.

For a table with a primary key: the source keys are streamed in key order and every PartitionSize-th key
becomes a partition boundary; ThreadCount workers then read each partition from both sides
(`WHERE key > lo AND key <= hi ORDER BY key`) and compare. Equal partitions are recognised by one
comparison of the raw row lists; otherwise rows are matched by normalised key and compared column by
column after normalising both values to the target column's DMS type:
- REAL4 compared at 6 significant digits, REAL8 at 15 (float text round trips differ in the last digits);
- NUMERIC compared as decimals, the source rounded half-up to the target scale;
- DATE / TIME / DATETIME compared as values (ISO text from SQLite is parsed);
- LOB columns in limited LOB mode: the source value truncated to the LOB limit (what the load wrote);
  SkipLobColumns leaves LOB columns out.
Collations: partition ranges and ordering use each database's own collation unless HandleCollationDiff is
true, in which case string key columns are compared by code point on both sides (PostgreSQL COLLATE "C",
MySQL/MariaDB BINARY, SQLite's default). Without it, text keys that sort differently on the two engines show
up as MISSING_SOURCE/MISSING_TARGET pairs, as they do on AWS.
A full-load-and-cdc task validates once CDC runs (``settle`` given): a row that differs is compared again
after the changes captured so far are applied, up to RECHECKS times, so only lasting differences fail (AWS
revalidates rows changed during CDC). Failures go to awsdms_validation_failures_v1 (see failures.py). TableFailureMaxCount per table and
FailureMaxCount per task stop validation of the table / task; rows not compared are then reported as
ValidationSuspendedRecords.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from .connect import Database
from .failures import FailureSink
from .fullload import TableLoader
from .mappings import ColumnPlan
from .types import BINARY_TYPES, INTEGER_TYPES, STRING_TYPES, DmsType

RECHECKS = 3  # CDC tasks: how often a differing row is compared again once the captured changes are applied


@dataclass
class ValidationOutcome:
    state: str
    failed: int = 0
    suspended: int = 0
    compared: int = 0
    details: str = ""


class FailureBudget:
    """FailureMaxCount across the task."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self._lock = threading.Lock()

    def take(self, n: int) -> int:
        with self._lock:
            allowed = max(0, min(n, self.limit - self.used))
            self.used += allowed
            return allowed

    @property
    def exhausted(self) -> bool:
        with self._lock:
            return self.used >= self.limit


# Normalisation -------------------------------------------------------------------------------------------


def _to_datetime(v: Any) -> Any:
    if isinstance(v, datetime):
        return v
    if isinstance(v, date):
        return datetime(v.year, v.month, v.day)
    if isinstance(v, str):
        try:
            return datetime.fromisoformat(v.strip().replace("T", " "))
        except ValueError:
            return v
    return v


def _to_time(v: Any) -> Any:
    if isinstance(v, time):
        return v
    if isinstance(v, timedelta):
        seconds = int(v.total_seconds())
        return time(seconds // 3600 % 24, seconds // 60 % 60, seconds % 60, v.microseconds)
    if isinstance(v, str):
        try:
            return time.fromisoformat(v.strip())
        except ValueError:
            return v
    return v


def _as_int(v: Any) -> Any:
    try:
        return int(v)
    except (TypeError, ValueError):
        return v


def _numeric(t: DmsType) -> Callable[[Any], Any]:
    quantum = Decimal(1).scaleb(-t.scale) if t.scale is not None and t.precision else None

    def f(v: Any) -> Any:
        try:
            d = Decimal(str(v))
        except (InvalidOperation, ValueError):
            return v
        if quantum is not None:
            with contextlib.suppress(InvalidOperation):
                d = d.quantize(quantum, rounding=ROUND_HALF_UP)
        return d.normalize() if d else Decimal(0)

    return f


def _real(digits: int) -> Callable[[Any], Any]:
    def f(v: Any) -> Any:
        try:
            return float(f"{float(v):.{digits}g}")
        except (TypeError, ValueError):
            return v

    return f


def _binary(limit: int | None) -> Callable[[Any], Any]:
    def f(v: Any) -> Any:
        b = bytes(v) if isinstance(v, bytes | bytearray | memoryview) else v
        if limit is not None and isinstance(b, bytes):
            b = b[:limit]
        return b

    return f


def _text(limit: int | None) -> Callable[[Any], Any]:
    def f(v: Any) -> Any:
        s = v if isinstance(v, str) else (bytes(v).decode() if isinstance(v, bytes | memoryview) else str(v))
        if limit is not None:
            s = s[:limit]
        return s

    return f


def normaliser(t: DmsType, lob_limit: int | None, is_lob_source: bool) -> Callable[[Any], Any]:
    """Function mapping a raw value (from either side) to its comparable form for target type `t`."""
    n = t.name
    limit = lob_limit if is_lob_source else None
    if n in INTEGER_TYPES:
        return _as_int
    if n == "BOOLEAN":
        return lambda v: (str(v).lower() in ("1", "t", "true")) if isinstance(v, str) else bool(v)
    if n == "NUMERIC":
        return _numeric(t)
    if n in ("REAL4", "REAL8"):
        return _real(6 if n == "REAL4" else 15)
    if n == "DATE":
        return lambda v: _to_datetime(v).date() if isinstance(_to_datetime(v), datetime) else v
    if n == "DATETIME":
        return _to_datetime
    if n == "TIME":
        return _to_time
    if n in BINARY_TYPES:
        return _binary(limit)
    if n in STRING_TYPES:
        return _text(limit)
    return lambda v: v


# The validator --------------------------------------------------------------------------------------------


class TableValidator:
    """Validates one loaded table (the TableLoader holds the plan, the columns and the LOB limit)."""

    def __init__(
        self,
        loader: TableLoader,
        settings: dict[str, Any],
        sink: FailureSink,
        budget: FailureBudget,
        on_progress: Callable[[int, int], None] = lambda compared, failed: None,
        stop: threading.Event | None = None,
        settle: Callable[[], None] | None = None,
    ) -> None:
        self.loader, self.settle = loader, settle
        self.source, self.target, self.plan = loader.source, loader.target, loader.plan
        self.partition_size = int(settings["PartitionSize"])
        self.threads = int(settings["ThreadCount"])
        self.table_max = int(settings["TableFailureMaxCount"])
        self.collation_diff = bool(settings["HandleCollationDiff"])
        skip_lobs = bool(settings["SkipLobColumns"])
        self.sink, self.budget = sink, budget
        self.on_progress = on_progress
        self.stop = stop or threading.Event()
        key_targets = list(self.plan.primary_key)
        by_target = {c.target: c for c in loader.copied}
        self.key: list[ColumnPlan] = [by_target[k] for k in key_targets if k in by_target]
        if len(self.key) != len(key_targets):
            self.key = []
        self.values: list[ColumnPlan] = [
            c for c in loader.copied if c.target not in key_targets and not (skip_lobs and loader._is_lob(c))
        ]
        self.columns = self.key + self.values
        self.normalisers = [normaliser(c.type, loader.lob_limit, loader._is_lob(c)) for c in self.columns]
        self._lock = threading.Lock()
        self.failed = 0
        self.compared = 0
        self.suspended_from: int | None = None

    # SQL
    def _key_expr(self, db: Database, column: ColumnPlan, name: str) -> str:
        q = db.quote(name)
        if not self.collation_diff or column.type.name not in STRING_TYPES:
            return q
        if db.dialect == "postgresql":
            return f'{q} COLLATE "C"'
        if db.dialect == "mysql":
            return f"BINARY {q}"
        return q

    def _select(
        self, db: Database, side: str, lower: list[Any] | None, upper: list[Any] | None
    ) -> tuple[str, list[Any]]:
        names = [c.source if side == "source" else c.target for c in self.columns]
        key_names = names[: len(self.key)]
        keys = [self._key_expr(db, c, n) for c, n in zip(self.key, key_names, strict=True)]
        lhs = keys[0] if len(keys) == 1 else "(" + ", ".join(keys) + ")"
        ph = db.placeholder
        rhs = ph if len(keys) == 1 else "(" + ", ".join([ph] * len(keys)) + ")"
        clauses: list[str] = []
        params: list[Any] = []
        if side == "source":
            clauses, params = self.loader.filter_sql(db)
        if lower is not None:
            clauses.append(f"{lhs} > {rhs}")
            params.extend(lower)
        if upper is not None:
            clauses.append(f"{lhs} <= {rhs}")
            params.extend(upper)
        cols = []
        for c, n in zip(self.columns, names, strict=True):
            expr = db.quote(n)
            if (
                db.dialect == "postgresql"
                and side == "source"
                and c.source_type
                and c.source_type.name in STRING_TYPES
            ):
                expr = f"{expr}::text"
            cols.append(expr)
        table = self.loader.source_name if side == "source" else self.loader.target_name
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        return f"SELECT {', '.join(cols)} FROM {table}{where} ORDER BY {', '.join(keys)}", params

    def _boundaries(self) -> list[list[Any]]:
        """Every PartitionSize-th source key, streamed in key order."""
        keys = [self._key_expr(self.source, c, c.source) for c in self.key]
        clauses, params = self.loader.filter_sql()
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        plain = ", ".join(self.source.quote(c.source) for c in self.key)
        sql = f"SELECT {plain} FROM {self.loader.source_name}{where} ORDER BY {', '.join(keys)}"
        conn = self.source.raw()
        out: list[list[Any]] = []
        try:
            cur = self.loader._open_source_cursor(conn)
            cur.execute(sql, params) if params else cur.execute(sql)
            seen = 0
            while True:
                rows = cur.fetchmany(max(self.partition_size, 1000))
                if not rows:
                    break
                start = seen
                seen += len(rows)
                # index (in this batch) of every row whose 1-based position is a multiple of partition_size
                first = (-start - 1) % self.partition_size
                out.extend(list(rows[i]) for i in range(first, len(rows), self.partition_size))
            cur.close()
        finally:
            conn.rollback()
            conn.close()
        return out

    # compare
    def run(self) -> ValidationOutcome:
        if not self.key:
            return ValidationOutcome("No primary key")
        self.sink.clear(self.loader.target_owner, self.plan.target_table)
        bounds = self._boundaries()
        ranges: list[tuple[list[Any] | None, list[Any] | None]] = []
        previous: list[Any] | None = None
        for b in bounds:
            ranges.append((previous, b))
            previous = b
        ranges.append((previous, None))
        with ThreadPoolExecutor(max(1, self.threads), thread_name_prefix="dms-validate") as pool:
            list(pool.map(self._partition, ranges))
        if self.suspended_from is not None:
            total = self.loader.count_source_rows()
            suspended = max(0, total - self.compared)
            return ValidationOutcome(
                "Suspended records" if suspended else "Mismatched records",
                self.failed,
                suspended,
                self.compared,
                f"Validation suspended after {self.failed} failures (TableFailureMaxCount {self.table_max}, "
                f"FailureMaxCount {self.budget.limit})",
            )
        return ValidationOutcome(
            "Mismatched records" if self.failed else "Validated", self.failed, 0, self.compared
        )

    def _fetch(
        self, db: Database, side: str, lower: list[Any] | None, upper: list[Any] | None
    ) -> list[tuple]:
        sql, params = self._select(db, side, lower, upper)
        conn = db.raw()
        try:
            cur = conn.cursor()
            cur.execute(sql, params) if params else cur.execute(sql)
            rows = [tuple(r) for r in cur.fetchall()]
            cur.close()
            return rows
        finally:
            conn.rollback()
            conn.close()

    def _partition(self, bounds: tuple[list[Any] | None, list[Any] | None]) -> None:
        if self.stop.is_set() or self.suspended_from is not None:
            return
        compared, failures = self._compare(*bounds)
        for _ in range(RECHECKS if self.settle else 0):
            if not failures or self.stop.is_set():
                break
            self.settle()
            latest = {tuple(f[1]): f for f in self._compare(*bounds)[1]}
            failures = [latest[tuple(f[1])] for f in failures if tuple(f[1]) in latest]
        self._done(compared, failures)

    def _compare(self, lower: list[Any] | None, upper: list[Any] | None) -> tuple[int, list[tuple]]:
        src = self._fetch(self.source, "source", lower, upper)
        tgt = self._fetch(self.target, "target", lower, upper)
        if src == tgt:
            return len(src), []
        nk = len(self.key)
        norm = self.normalisers

        def normal(row: tuple) -> tuple:
            return tuple(f(v) if v is not None else None for f, v in zip(norm, row, strict=True))

        src_map = {n[:nk]: n for n in map(normal, src)}
        tgt_map = {n[:nk]: n for n in map(normal, tgt)}
        failures: list[tuple[str, list[Any], Any]] = []
        key_names = [c.target for c in self.key]
        value_names = [c.target for c in self.values]
        for key, srow in src_map.items():
            trow = tgt_map.get(key)
            if trow is None:
                failures.append(
                    ("MISSING_TARGET", list(key), {"key": dict(zip(key_names, key, strict=True))})
                )
            elif trow != srow:
                diff = [
                    {"column": name, "source": s, "target": t}
                    for name, s, t in zip(value_names, srow[nk:], trow[nk:], strict=True)
                    if s != t
                ]
                failures.append(
                    ("RECORD_DIFF", list(key), {"key": dict(zip(key_names, key, strict=True)), "diff": diff})
                )
        for key in tgt_map.keys() - src_map.keys():
            failures.append(("MISSING_SOURCE", list(key), {"key": dict(zip(key_names, key, strict=True))}))
        return len(src), failures

    def _done(self, compared: int, failures: list[tuple[str, list[Any], Any]]) -> None:
        with self._lock:
            room = max(0, self.table_max - self.failed)
            keep = self.budget.take(min(len(failures), room)) if failures else 0
            if failures and keep < len(failures):
                self.suspended_from = self.compared
            failures = failures[:keep]
            self.failed += len(failures)
            self.compared += compared
            self.sink.write(self.loader.target_owner, self.plan.target_table, failures)
        self.on_progress(compared, len(failures))
