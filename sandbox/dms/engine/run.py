"""One run of a DMS task's full load (and validation), with statistics users can watch while it runs.

    run = FullLoadRun(TaskInputs(source_db, target_db, table_mappings_json, TaskSettings.parse(settings_json), "TASKID"))
    run.prepare()          # connects, resolves the mappings; raises the errors AWS would report
    run.execute()          # loads (MaxFullLoadSubTasks tables at a time), validates, returns when done
    run.table_statistics() # TableStatistics-shaped dicts (source schema/table names), at any time
    run.task_stats()       # ReplicationTaskStats counters, at any time

A table that fails is `Table error` (TablesErrored); the run carries on with the others (DMS's
TableErrorPolicy SUSPEND_TABLE) and FullLoadProgressPercent never reaches 100 with an errored table.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .connect import Database
from .errors import NoTablesFound
from .failures import FailureSink
from .fullload import LoadCancelled, LoadOptions, TableLoader
from .inputs import TaskInputs
from .mappings import TableMappings, TablePlan
from .rules import matches as _matches
from .settings import TaskSettings
from .validation import FailureBudget, TableValidator


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class TableStats:
    schema: str
    table: str
    state: str = "Before load"
    rows: int = 0
    estimate: int = 0
    error_rows: int = 0
    truncated_lobs: int = 0
    start: datetime | None = None
    end: datetime | None = None
    last_update: datetime = field(default_factory=_now)
    validation_state: str = "Not enabled"
    validation_pending: int = 0
    validation_failed: int = 0
    validation_suspended: int = 0
    validation_details: str = ""
    reloaded: bool = False
    error: str = ""

    def as_aws(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "SchemaName": self.schema,
            "TableName": self.table,
            "Inserts": 0,
            "Deletes": 0,
            "Updates": 0,
            "Ddls": 0,
            "AppliedInserts": 0,
            "AppliedDeletes": 0,
            "AppliedUpdates": 0,
            "AppliedDdls": 0,
            "FullLoadRows": self.rows,
            "FullLoadCondtnlChkFailedRows": 0,
            "FullLoadErrorRows": self.error_rows,
            "FullLoadReloaded": self.reloaded,
            "LastUpdateTime": self.last_update,
            "TableState": self.state,
            "ValidationPendingRecords": self.validation_pending,
            "ValidationFailedRecords": self.validation_failed,
            "ValidationSuspendedRecords": self.validation_suspended,
            "ValidationState": self.validation_state,
        }
        if self.start:
            out["FullLoadStartTime"] = self.start
        if self.end:
            out["FullLoadEndTime"] = self.end
        details = self.validation_details or self.error
        if details:
            out["ValidationStateDetails"] = details
        return out


def load_options(settings: TaskSettings) -> LoadOptions:
    return LoadOptions(
        prep_mode=settings.prep_mode,
        commit_rate=settings.commit_rate,
        max_subtasks=settings.max_subtasks,
        support_lobs=settings.support_lobs,
        lob_max_bytes=settings.lob_max_bytes,
    )


def select_plans(
    source: Database,
    mappings: TableMappings,
    settings: TaskSettings,
    only_tables: list[tuple[str, str]] | None = None,
) -> list[TablePlan]:
    """The plan of every source table the selection rules take (NoTablesFound when none)."""
    patterns = mappings.schema_patterns()
    plans = []
    for schema in source.schemas():
        if not any(_matches(p, schema) for p in patterns):
            continue
        for table in source.tables(schema):
            if not mappings.selects(schema, table):
                continue
            if only_tables is not None and (schema, table) not in only_tables:
                continue
            plans.append(
                mappings.plan(source.reflect(schema, table), target_schema_override=settings.target_schema)
            )
    if not plans:
        raise NoTablesFound()
    return plans


class FullLoadRun:
    """Full load + validation of every selected table, observable while it runs."""

    def __init__(
        self,
        inputs: TaskInputs,
        *,
        stop: threading.Event | None = None,
        only_tables: list[tuple[str, str]] | None = None,
        validate_only: bool = False,
    ) -> None:
        self.inputs = inputs
        self.source, self.target = inputs.source, inputs.target
        self.mappings = TableMappings.parse(inputs.table_mappings)
        self.settings = inputs.settings
        self.task_name = inputs.task_name
        self.stop = stop or threading.Event()
        self.only_tables = only_tables
        # ValidationSettings.ValidationOnly: the task compares, it does not load
        self.validate_only = validate_only or (
            self.settings.validation_enabled and bool(self.settings.validation["ValidationOnly"])
        )
        # A CDC task whose source gives the load no snapshot validates once CDC runs: validate_in_cdc()
        self.defer_validation = False
        self.loaders: list[TableLoader] = []
        self.stats: dict[tuple[str, str], TableStats] = {}
        self._lock = threading.Lock()
        self.full_load_start: datetime | None = None
        self.full_load_finish: datetime | None = None
        self.started = time.monotonic()
        self.ended: float | None = None  # ElapsedTimeMillis stops counting here

    # set up
    def prepare(self) -> None:
        """Connect to both endpoints and resolve the selection into table plans."""
        self.source.check()
        self.target.check()
        options = load_options(self.settings)
        loaders = [
            TableLoader(self.source, self.target, plan, options, stop=self.stop)
            for plan in select_plans(self.source, self.mappings, self.settings, self.only_tables)
        ]
        loaders.sort(key=lambda ld: (-ld.plan.load_order, ld.plan.source_schema, ld.plan.source_table))
        validating = self.settings.validation_enabled
        for loader in loaders:
            stats = TableStats(loader.plan.source_schema, loader.plan.source_table)
            stats.estimate = loader.count_source_rows()
            if validating:
                stats.validation_state = "Pending records"
                stats.validation_pending = stats.estimate
            if self.validate_only:
                stats.state = "Table completed"
            self.stats[(stats.schema, stats.table)] = stats
            loader.on_rows = self._row_counter(stats)
        self.loaders = loaders

    def _row_counter(self, stats: TableStats):
        def on_rows(n: int) -> None:
            with self._lock:
                stats.rows += n
                stats.last_update = _now()

        return on_rows

    # run
    def execute(self) -> None:
        """Load every table (MaxFullLoadSubTasks at a time), then validate each loaded table."""
        try:
            self._execute()
        finally:
            self.ended = time.monotonic()

    def _execute(self) -> None:
        self.full_load_start = _now()
        validation = self.settings.validation_enabled
        budget = FailureBudget(int(self.settings.validation["FailureMaxCount"]))
        sink = FailureSink(self.target, self.task_name, self.settings.control_schema)
        pending_validations: list[Future] = []
        with ThreadPoolExecutor(1, thread_name_prefix="dms-validation") as validator_pool:

            def load(loader: TableLoader) -> None:
                stats = self.stats[(loader.plan.source_schema, loader.plan.source_table)]
                if not self.validate_only and not self._load_one(loader, stats):
                    return
                if validation and not self.stop.is_set() and not self.defer_validation:
                    pending_validations.append(
                        validator_pool.submit(self._validate_one, loader, stats, sink, budget)
                    )

            with ThreadPoolExecutor(self.settings.max_subtasks, thread_name_prefix="dms-load") as pool:
                for f in [pool.submit(load, ld) for ld in self.loaders]:
                    f.result()
            self.full_load_finish = _now()
            for f in list(pending_validations):
                f.result()

    def _load_one(self, loader: TableLoader, stats: TableStats) -> bool:
        if self.stop.is_set():
            with self._lock:
                stats.state = "Table cancelled"
            return False
        with self._lock:
            stats.state = "Table is being reloaded" if self.only_tables is not None else "Full load"
            stats.reloaded = self.only_tables is not None
            stats.rows = 0
            stats.start = _now()
            stats.end = None
            stats.last_update = stats.start
        try:
            outcome = loader.load()
        except LoadCancelled:
            with self._lock:
                stats.state = "Table cancelled"
                stats.last_update = _now()
            return False
        except Exception as exc:
            message = str(getattr(exc, "orig", None) or exc).strip()
            with self._lock:
                stats.state = "Table error"
                stats.error = f"Full load of {stats.schema}.{stats.table} failed: {message}"[:1000]
                stats.error_rows = max(0, stats.estimate - stats.rows)
                stats.validation_state = (
                    "Table error" if self.settings.validation_enabled else stats.validation_state
                )
                stats.last_update = _now()
            return False
        with self._lock:
            stats.rows = outcome.rows
            stats.truncated_lobs = outcome.truncated_lobs
            stats.state = "Table completed"
            stats.end = _now()
            stats.last_update = stats.end
        return True

    def validate_in_cdc(self, settle: Callable[[], None]) -> None:
        """The deferred validation of the loaded tables (live source, CDC running): a differing row is
        compared again after `settle()` has let the changes captured so far be applied."""
        if not self.settings.validation_enabled:
            return
        budget = FailureBudget(int(self.settings.validation["FailureMaxCount"]))
        sink = FailureSink(self.target, self.task_name, self.settings.control_schema)
        for loader in self.loaders:
            stats = self.stats[(loader.plan.source_schema, loader.plan.source_table)]
            if stats.state == "Table completed" and not self.stop.is_set():
                self._validate_one(loader, stats, sink, budget, settle)

    def _validate_one(
        self,
        loader: TableLoader,
        stats: TableStats,
        sink: FailureSink,
        budget: FailureBudget,
        settle: Callable[[], None] | None = None,
    ) -> None:
        def progress(compared: int, failed: int) -> None:
            with self._lock:
                stats.validation_pending = max(0, stats.validation_pending - compared)
                stats.validation_failed += failed
                stats.last_update = _now()

        with self._lock:
            stats.validation_pending = stats.rows if not self.validate_only else stats.estimate
            stats.validation_failed = 0
            stats.validation_state = "Pending records"
        try:
            validator = TableValidator(
                loader, self.settings.validation, sink, budget, progress, self.stop, settle
            )
            outcome = validator.run()
        except Exception as exc:
            with self._lock:
                stats.validation_state = "Error"
                stats.validation_details = f"Validation failed: {exc}"[:1000]
            return
        with self._lock:
            stats.validation_state = outcome.state
            stats.validation_failed = outcome.failed
            stats.validation_suspended = outcome.suspended
            stats.validation_pending = 0
            stats.validation_details = outcome.details
            stats.last_update = _now()

    # observation
    def table_statistics(self) -> list[dict[str, Any]]:
        with self._lock:
            return [s.as_aws() for s in self.stats.values()]

    def task_stats(self) -> dict[str, Any]:
        with self._lock:
            states = [s.state for s in self.stats.values()]
            total = sum(s.estimate for s in self.stats.values())
            done = sum(
                s.estimate if s.state == "Table completed" else min(s.rows, s.estimate)
                for s in self.stats.values()
                if s.state != "Table error"
            )
            if total:
                percent = int(100 * done / total)
            else:
                percent = 100 if states and all(st == "Table completed" for st in states) else 0
            if percent == 100 and any(st != "Table completed" for st in states):
                percent = 99
            return {
                "FullLoadProgressPercent": percent,
                "ElapsedTimeMillis": int(((self.ended or time.monotonic()) - self.started) * 1000),
                "TablesLoaded": states.count("Table completed"),
                "TablesLoading": sum(st in ("Full load", "Table is being reloaded") for st in states),
                "TablesQueued": states.count("Before load"),
                "TablesErrored": states.count("Table error"),
            }

    @property
    def errors(self) -> list[str]:
        with self._lock:
            return [s.error for s in self.stats.values() if s.error]
