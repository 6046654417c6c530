"""One task's change data capture: a capture thread (source → spool) and an apply thread (spool → target).

    cdc = CdcRun(TaskInputs(source_db, target_db, table_mappings_json, settings, "TASKID"), "/state/dms/TASKID.spool")
    cdc.prepare()                      # plans, capture resources (slot / triggers), the spool
    with cdc.handoff() as full_load_source:   # full-load-and-cdc: the position is fixed before the load
        FullLoadRun(replace(cdc.inputs, source=full_load_source)).execute()
    cdc.start()                        # from the spool's position (a resume) or the handoff / start position
    cdc.metrics(); cdc.table_counts()  # CloudWatch values and per-table counters, at any time
    cdc.stop()                         # stop now; the spool, the slot and the checkpoint stay for a resume
    cdc.drop()                         # delete task: drop the slot or the triggers, and the spool

A `CdcStopPosition` (`server_time:` / `commit_time:` YYYY-MM-DDTHH:MM:SS, UTC) stops the task once every
transaction committed before it is applied, with `stop_reason` STOPPED_AT_SERVER_TIME / STOPPED_AT_COMMIT_TIME.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..connect import Database
from ..fullload import TableLoader
from ..inputs import TaskInputs
from ..mappings import TableMappings
from ..run import load_options, select_plans
from .loops import ApplyLoop, CaptureLoop, counts_json
from .mariadb import MariadbCapture
from .postgres import PostgresCapture
from .spool import Spool


@dataclass
class CdcOptions:
    slot_name: str = ""  # PostgreSQL: PostgreSQLSettings.SlotName, else one named after the task
    heartbeat_seconds: float | None = None  # PostgreSQL HeartbeatEnable + HeartbeatFrequency
    start_position: str | None = None  # CdcStartPosition (native: LSN, binlog file:pos, seq:N)
    stop_position: str | None = None  # CdcStopPosition
    poll_seconds: float = 0.05
    source_retry_seconds: float = 30.0  # how long the source may be unreachable before the task fails


@dataclass
class Faults:
    """Switches the sandbox's fault injection flips while a task runs (see sandbox/dms/README.md)."""

    apply_delay_seconds: float = 0.0  # per change: apply slower than changes arrive
    fail_message: str = ""  # the task fails at its next step with this message
    source_unreachable: bool = False  # reading the source raises a connection error


def parse_stop_position(value: str | None) -> tuple[str, float] | None:
    if not value:
        return None
    kind, _, stamp = value.partition(":")
    kind = kind.strip().lower()
    if kind not in ("server_time", "commit_time"):
        raise ValueError(f"CdcStopPosition must start with server_time: or commit_time:, got {value!r}")
    moment = datetime.fromisoformat(stamp.strip().rstrip("Z"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return kind, moment.timestamp()


def make_capture(source: Database, task_name: str, options: CdcOptions) -> Any:
    if source.dialect == "postgresql":
        return PostgresCapture(
            source, options.slot_name or f"dms_{task_name}", heartbeat_seconds=options.heartbeat_seconds
        )
    if source.dialect == "mysql":
        return MariadbCapture(source)
    from .sqlite import SqliteCapture

    return SqliteCapture(source, task_name)


@dataclass
class _Counters:
    captured: dict[str, dict[str, int]] = field(default_factory=dict)  # "schema.table" -> {I,U,D: n}
    applied: dict[str, dict[str, int]] = field(default_factory=dict)

    @staticmethod
    def add(book: dict[str, dict[str, int]], schema: str, table: str, op: str, n: int = 1) -> None:
        entry = book.setdefault(f"{schema}\x1f{table}", {"I": 0, "U": 0, "D": 0})
        entry[op] = entry.get(op, 0) + n


class CdcRun:
    def __init__(
        self,
        inputs: TaskInputs,
        spool_path: str,
        options: CdcOptions | None = None,
        faults: Faults | None = None,
    ) -> None:
        self.inputs = inputs
        self.source, self.target = inputs.source, inputs.target
        self.mappings = TableMappings.parse(inputs.table_mappings)
        self.settings, self.task_name, self.spool_path = inputs.settings, inputs.task_name, spool_path
        self.options = options or CdcOptions()
        self.faults = faults or Faults()
        self.stop_at = parse_stop_position(self.options.stop_position)
        self.capture = make_capture(inputs.source, inputs.task_name, self.options)
        self.loaders: dict[tuple[str, str], TableLoader] = {}
        self.spool: Spool | None = None
        self.counters = _Counters()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._capture_done = threading.Event()
        self._threads: list[threading.Thread] = []
        self.error: str = ""
        self.stop_reason: str = ""
        self.finished = threading.Event()  # set when both threads have ended (stop, stop position, error)
        self._last_lag, self._last_lag_at = 0.0, 0.0
        self._rates = {"source": 0.0, "target": 0.0}
        self.applied_commit_time: float | None = None
        self.reached_stop = ""  # server_time / commit_time once capture passed the stop position
        self.recoverable_error = ""  # the source is unreachable: retrying

    # set up
    def prepare(self) -> None:
        options = load_options(self.settings)
        plans = select_plans(self.source, self.mappings, self.settings)
        self.loaders = {
            (p.source_schema, p.source_table): TableLoader(self.source, self.target, p, options)
            for p in plans
        }
        self.spool = Spool(self.spool_path)
        for book, key in (
            (self.counters.captured, "captured_counts"),
            (self.counters.applied, "applied_counts"),
        ):
            book.update(json.loads(self.spool.get(key) or "{}"))

    def _source_tables(self) -> list[Any]:
        return [self.source.reflect(s, t) for (s, t) in self.loaders]

    @contextlib.contextmanager
    def handoff(self) -> Iterator[Database]:
        """Fix the change position for a full load that runs inside this block; yields the source to read."""
        with self.capture.snapshot(self._source_tables()) as (position, db):
            self.spool.mark_captured(position)
            yield db

    def ensure_position(self) -> str:
        """Where capture continues: the spool's position (resume), else CdcStartPosition, else now."""
        position = self.spool.get("captured")
        if position is None:
            opened = self.capture.open(self._source_tables())
            position = self.options.start_position or opened
            self.spool.mark_captured(position)
        else:
            self.capture.open(self._source_tables())
        return position

    @property
    def checkpoint(self) -> str | None:
        return self.spool.get("applied") or self.spool.get("captured") if self.spool else None

    # running
    def start(self) -> None:
        for table in self.loaders.values():  # cdc-only tasks: a missing target table is created
            if not table._target_exists():
                table.prepare()
        position = self.ensure_position()
        self._threads = [
            threading.Thread(
                target=self._guard(self._capture_loop, position), name="dms-cdc-capture", daemon=True
            ),
            threading.Thread(target=self._guard(self._apply_loop), name="dms-cdc-apply", daemon=True),
        ]
        for t in self._threads:
            t.start()
        threading.Thread(target=self._watch, name="dms-cdc-watch", daemon=True).start()

    def _watch(self) -> None:
        try:
            for t in self._threads:
                t.join()
            self.capture.close()
        finally:
            self.finished.set()

    def _guard(self, loop, *args):
        def run() -> None:
            try:
                loop(*args)
            except Exception as exc:
                with self._lock:
                    if not self.error:
                        self.error = (
                            f"{type(exc).__name__}: {str(getattr(exc, 'orig', None) or exc).strip()}"[:1000]
                        )
                self._stop.set()
            finally:
                if loop == self._capture_loop:
                    self._capture_done.set()

        return run

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self.finished.wait(timeout)
        if not self.stop_reason and not self.error:
            self.stop_reason = "NORMAL"

    def wait(self, timeout: float | None = None) -> bool:
        return self.finished.wait(timeout)

    def settle(self, timeout: float = 10.0) -> None:
        """Return once what the source committed before this call is applied (at most `timeout` seconds)."""
        deadline = time.monotonic() + timeout
        self._stop.wait(0.25 + 2 * self.options.poll_seconds)  # the capture's next passes read it
        while not self._stop.is_set() and time.monotonic() < deadline:
            if self.spool is None or self.spool.pending_changes == 0:
                return
            self._stop.wait(0.05)

    def drop(self) -> None:
        """Delete the task's resources: the slot or triggers on the source, and the spool."""
        if not self.finished.is_set() and self._threads:
            self.stop()
        self.capture.drop()
        if self.spool is not None:
            self.spool.destroy()
            self.spool = None

    def _check_faults(self) -> None:
        if self.faults.fail_message:
            raise RuntimeError(self.faults.fail_message)

    def _capture_loop(self, position: str) -> None:
        CaptureLoop(self).run_loop(position)

    def _apply_loop(self) -> None:
        ApplyLoop(self).run_loop()

    def _count(self, counts: dict[tuple[str, str, str], int], *, captured: bool) -> str:
        """Add `counts` to the captured or applied book; the book as JSON (persisted with the spool)."""
        book = self.counters.captured if captured else self.counters.applied
        with self._lock:
            for (schema, table, op), n in counts.items():
                _Counters.add(book, schema, table, op, n)
            return counts_json(book)

    # observation
    def metrics(self) -> dict[str, float]:
        spool = self.spool
        oldest = spool.oldest_commit_time() if spool else None
        pending = spool.pending_changes if spool else 0
        return {
            "CDCLatencySource": round(self._last_lag, 3)
            if time.monotonic() - self._last_lag_at < 1.0
            else 0.0,
            "CDCLatencyTarget": round(max(0.0, time.time() - oldest), 3) if oldest and pending else 0.0,
            "CDCIncomingChanges": float(pending),
            "CDCChangesDiskSource": float(pending),
            "CDCThroughputRowsSource": round(self._rates["source"], 1),
            "CDCThroughputRowsTarget": round(self._rates["target"], 1),
            "SpoolBytes": float(spool.pending_bytes if spool else 0),
        }

    def table_counts(self) -> dict[tuple[str, str], dict[str, int]]:
        """Per source table: Inserts, Updates, Deletes (captured) and Applied* (committed on the target)."""
        out = {}
        with self._lock:
            for schema, table in self.loaders:
                key = f"{schema}\x1f{table}"
                c = self.counters.captured.get(key, {})
                a = self.counters.applied.get(key, {})
                out[(schema, table)] = {
                    "Inserts": c.get("I", 0),
                    "Updates": c.get("U", 0),
                    "Deletes": c.get("D", 0),
                    "Ddls": 0,
                    "AppliedInserts": a.get("I", 0),
                    "AppliedUpdates": a.get("U", 0),
                    "AppliedDeletes": a.get("D", 0),
                    "AppliedDdls": 0,
                }
        return out
