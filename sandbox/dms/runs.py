"""Replication task runs: one `TaskRun` per start or reload of a task, a thread each, kept by `TaskRuns`.

Entry points (what the API handlers call, always under the store's lock):
- `TaskRuns.start(task, source, target, only=None, fresh=True)`: StartReplicationTask (start-replication,
  reload-target; resume-processing passes `only`, the tables not yet completed, and `fresh=False`).
- `TaskRuns.reload(task, source, target, tables, validate_only)`: ReloadTables inside a running task; it
  shares the running task's stop event, so StopReplicationTask still reaches it.
- `TaskRuns.request_stop(task)`: StopReplicationTask; the run's thread ends the task as `stopped`.
- `TaskRuns.sync()`: copies every run's live statistics into its task (`ReplicationTaskStats` and
  `_tables`, the rows DescribeTableStatistics answers); the service calls it around every request.

A run: connect both endpoints -> `running` -> full load (`sandbox.dms.engine.FullLoadRun`) -> for
full-load-and-cdc and cdc, `replicate_changes` until stopped -> `stopped` (or `failed`, with the reason).
State is persisted by `DmsStore.save()` (`dms.json`) when a run ends and after each mutating request.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from typing import Any

from sandbox.dms.cdc_phase import CdcPhase, CloudWatch, StatsWithCdc, drop_cdc, make_cdc, sync_faults
from sandbox.dms.databases import database
from sandbox.dms.engine import Database, DmsEngineError, FullLoadRun, TaskInputs, TaskSettings
from sandbox.dms.engine.cdc import CdcRun, Faults
from sandbox.dms.store import DmsStore, DmsTimings

log = logging.getLogger(__name__)

Tables = list[tuple[str, str]]


def _json_stats(stats: dict[str, Any]) -> dict[str, Any]:
    return {key: value.timestamp() if hasattr(value, "timestamp") else value for key, value in stats.items()}


class TaskRun:
    """One start (or reload) of one replication task, run in its own thread."""

    def __init__(
        self,
        runs: TaskRuns,
        task: dict[str, Any],
        endpoints: tuple[dict[str, Any], dict[str, Any]],
        *,
        only: Tables | None,
        validate_only: bool = False,
        reload: bool = False,
        fresh: bool = True,
    ) -> None:
        self.runs, self.store, self.task = runs, runs.store, task
        self.arn = task["ReplicationTaskArn"]
        self.endpoints = endpoints
        self.only, self.validate_only, self.reload, self.fresh = only, validate_only, reload, fresh
        self.migration = task["MigrationType"]
        self.mappings = task["TableMappings"]
        self.settings = TaskSettings.parse(task["ReplicationTaskSettings"])
        self.previous = {(t["SchemaName"], t["TableName"]): t for t in task.get("_tables") or []}
        self.kept: list[dict[str, Any]] = []  # statistics of the tables this run leaves alone
        self.full_load: FullLoadRun | None = None
        self.cdc: CdcRun | None = None
        self.cdc_stats: StatsWithCdc | None = None  # once changes flow: the statistics with CDC counters
        self.stop = runs.stop_event(self.arn, share=reload)
        self.thread = threading.Thread(
            target=self._work, name=f"dms-task-{task['ReplicationTaskIdentifier']}", daemon=True
        )

    # statistics, read by TaskRuns.sync -------------------------------------------------------------
    def table_statistics(self) -> list[dict[str, Any]]:
        if self.cdc_stats is not None:
            return self.cdc_stats.table_statistics()
        if self.full_load is None:
            return list(self.kept)
        live = [_json_stats(t) for t in self.full_load.table_statistics()]
        if self.reload:  # until its load starts, a reloaded table shows what ReloadTables announced
            live = [
                self.previous.get((t["SchemaName"], t["TableName"]), t)
                if t["TableState"] == "Before load"
                else t
                for t in live
            ]
        return [*self.kept, *live]

    def task_stats(self) -> dict[str, Any]:
        return self.full_load.task_stats() if self.full_load is not None else {}

    # the thread -------------------------------------------------------------------------------------
    def _work(self) -> None:
        databases: list[Database] = []
        try:
            if not self.reload:
                time.sleep(self.runs.timings.task_start_seconds)
            for ep, role in zip(self.endpoints, ("source", "target"), strict=True):
                databases.append(database(self.store, ep, role))
            self._running(*databases)
        except Exception as exc:
            self._failed(exc)
        finally:
            self.task["_loading"] = False
            for db in databases:
                db.dispose()
            self.store.save()

    def _running(self, source: Database, target: Database) -> None:
        run = FullLoadRun(
            TaskInputs(source, target, self.mappings, self.settings, self.arn.rsplit(":", 1)[-1]),
            stop=self.stop,
            only_tables=self.only,
            validate_only=self.validate_only,
        )
        with self.store.lock:
            if not self.reload and self.task["Status"] == "starting":
                self.task["Status"] = "running"
                self.task["ReplicationTaskStats"]["FullLoadStartDate"] = time.time()
        if self.task["ReplicationTaskIdentifier"] in self.store.world.faults.settings.fail_dms_tasks:
            raise DmsEngineError("Injected fault: the replication task failed (faults.fail_dms_tasks)")
        if self.migration != "full-load" and not self.reload:
            self.cdc = self._make_cdc(source, target)
        if self.migration == "cdc" or (self.only is not None and not self.only and not self.reload):
            # cdc only, or resume-processing with every table already loaded: nothing to load
            self.task["_loading"] = False
            self._after_load(loaded=False)
            return
        # full-load-and-cdc from scratch: the change position is fixed before the load reads anything
        handoff = (
            self.cdc.handoff() if self.cdc is not None and self.fresh else contextlib.nullcontext(source)
        )
        with handoff as load_source:
            run.source = load_source
            # no snapshot (MariaDB, SQLite): rows written during the load are validated once CDC applies them
            run.defer_validation = self.cdc is not None and load_source is source and not self.validate_only
            self._load(run)
        if not self.reload:  # a reload ends here: the task's own run keeps it running
            self._after_load(loaded=True)

    def _make_cdc(self, source: Database, target: Database) -> CdcRun:
        state_dir = self.store.world.state_dir
        if self.fresh:  # start-replication / reload-target: a new slot, spool and position
            drop_cdc(source, self.task, self.endpoints[0], state_dir)
        return make_cdc(source, target, self.task, self.endpoints[0], state_dir, Faults())

    def _load(self, run: FullLoadRun) -> None:
        run.prepare()
        with self.store.lock:
            if self.reload or self.only is not None:
                reloading = {(t["SchemaName"], t["TableName"]) for t in run.table_statistics()}
                self.kept = [t for key, t in self.previous.items() if key not in reloading]
            self.full_load = run
            self.runs.runs[self.arn] = self
        run.execute()
        with self.store.lock:
            self.runs.sync()
            self.task["_loading"] = False
            if not self.reload:
                self.task["ReplicationTaskStats"]["FullLoadFinishDate"] = time.time()
                if self.cdc is not None:
                    # in the same locked step that ends the load: a ReloadTables answered from here on
                    # supersedes this run's statistics, and replicate_changes must not register it again
                    self.cdc_stats = StatsWithCdc(self.cdc, self.full_load, self.task.get("_tables"))

    def _after_load(self, loaded: bool) -> None:
        if loaded and self.stop.is_set():
            self.runs.finish(self.task, "stopped", "Stop Reason NORMAL")
        elif self.migration == "full-load":
            self.runs.finish(self.task, "stopped", "Stop Reason FULL_LOAD_ONLY_FINISHED")
        else:
            status, reason, message = self.replicate_changes()
            if status == "failed":
                self.runs.fail(self.task, message)
            elif status == "stopped":
                self.runs.finish(self.task, "stopped", reason)
            # "running": the sandbox shuts down; the task resumes from its checkpoint on restart

    def replicate_changes(self) -> tuple[str, str, str]:
        """full-load-and-cdc / cdc: changes flow (sandbox/dms/cdc_phase.py) until the task stops."""
        assert self.cdc is not None
        cdc, world = self.cdc, self.store.world
        ident, source_id = self.task["ReplicationTaskIdentifier"], self.endpoints[0]["EndpointIdentifier"]
        instance = self.store.state.instances.get(self.task["ReplicationInstanceArn"]) or {}
        if self.cdc_stats is None:  # cdc only, or resumed with every table loaded: no load ran
            with self.store.lock:
                self.cdc_stats = StatsWithCdc(cdc, self.full_load, self.task.get("_tables"))
                self.runs.runs[self.arn] = self
        phase = CdcPhase(
            cdc,
            CloudWatch(world, instance, self.arn.rsplit(":", 1)[-1]),
            sync=lambda: sync_faults(cdc.faults, world.faults.settings, ident, source_id),
            publish_seconds=self.runs.timings.cdc_publish_seconds,
        )
        phase.sync()  # the faults in force apply from the first change on
        cdc.start()
        if self.full_load is not None and self.full_load.defer_validation:
            args = {"target": self.full_load.validate_in_cdc, "args": (cdc.settle,), "daemon": True}
            threading.Thread(name="dms-validate-cdc", **args).start()
        return phase.run(self.stop, world.stopping)

    def _failed(self, exc: Exception) -> None:
        if isinstance(exc, DmsEngineError):
            message = str(exc)
        else:
            log.exception("DMS task %s failed", self.task["ReplicationTaskIdentifier"])
            message = f"{type(exc).__name__}: {exc}"
        if self.reload:  # a failed reload does not stop the running task: it says why
            with self.store.lock:
                self.task["LastFailureMessage"] = f"ReloadTables failed: {message}"[:1000]
        else:
            self.runs.fail(self.task, message)


class TaskRuns:
    """The runs of one sandbox world's tasks: the latest run per task, its stop event and its thread."""

    def __init__(self, store: DmsStore, timings: DmsTimings) -> None:
        self.store, self.timings = store, timings
        self.runs: dict[str, TaskRun] = {}  # task arn -> current/last run with statistics
        self.stops: dict[str, threading.Event] = {}
        self.threads: dict[str, threading.Thread] = {}

    def stop_event(self, task_arn: str, *, share: bool) -> threading.Event:
        """A reload shares the running task's event (a Stop must still reach it); a start gets a new one."""
        if share and task_arn in self.stops:
            return self.stops[task_arn]
        self.stops[task_arn] = threading.Event()
        return self.stops[task_arn]

    def start(
        self,
        task: dict[str, Any],
        endpoints: tuple[dict[str, Any], dict[str, Any]],
        *,
        only: Tables | None = None,
        fresh: bool = True,
    ) -> TaskRun:
        now = time.time()
        self.runs.pop(task["ReplicationTaskArn"], None)
        if only is None:
            task["_tables"] = []
        task["Status"] = "starting"
        task.pop("StopReason", None)
        task.pop("LastFailureMessage", None)
        task["ReplicationTaskStartDate"] = now
        stats = {
            "FullLoadProgressPercent": 0,
            "ElapsedTimeMillis": 0,
            "TablesLoaded": 0,
            "TablesLoading": 0,
            "TablesQueued": 0,
            "TablesErrored": 0,
            "StartDate": now,
        }
        if fresh:
            stats["FreshStartDate"] = now
        task["ReplicationTaskStats"] = stats
        run = TaskRun(self, task, endpoints, only=only, fresh=fresh)
        self.threads[run.arn] = run.thread
        return self._begin(run)

    def reload(
        self,
        task: dict[str, Any],
        endpoints: tuple[dict[str, Any], dict[str, Any]],
        tables: Tables,
        validate_only: bool,
    ) -> TaskRun:
        # the new state shows at once: a waiter polling right after the call must not see the old one
        self.runs.pop(task["ReplicationTaskArn"], None)
        for stats in task.get("_tables") or []:
            if (stats["SchemaName"], stats["TableName"]) in tables:
                if validate_only:
                    stats["ValidationState"] = "Pending records"
                else:
                    stats["TableState"] = "Table is being reloaded"
                    stats["FullLoadReloaded"] = True
        run = TaskRun(self, task, endpoints, only=tables, validate_only=validate_only, reload=True)
        return self._begin(run)

    def _begin(self, run: TaskRun) -> TaskRun:
        run.task["_loading"] = True
        run.thread.start()
        return run

    def request_stop(self, task: dict[str, Any]) -> None:
        task["Status"] = "stopping"
        event = self.stops.get(task["ReplicationTaskArn"])
        if event is not None:
            event.set()
        thread = self.threads.get(task["ReplicationTaskArn"])
        if thread is None or not thread.is_alive():
            self.finish(task, "stopped", "Stop Reason NORMAL")

    def forget(self, task_arn: str) -> None:
        self.runs.pop(task_arn, None)

    def sync(self) -> None:
        """Every run's live statistics into its task; counters over all the task's tables."""
        for key, run in self.runs.items():
            task = self.store.state.tasks.get(key)
            if task is None:
                continue
            stats = task.setdefault("ReplicationTaskStats", {})
            stats.update(run.task_stats())
            tables = run.table_statistics()
            task["_tables"] = tables
            states = [t["TableState"] for t in tables]
            stats["TablesLoaded"] = states.count("Table completed")
            stats["TablesLoading"] = sum(st in ("Full load", "Table is being reloaded") for st in states)
            stats["TablesQueued"] = states.count("Before load")
            stats["TablesErrored"] = states.count("Table error")

    def finish(self, task: dict[str, Any], status: str, reason: str) -> None:
        with self.store.lock:
            self.sync()
            task["Status"] = status
            task["StopReason"] = reason
            task.setdefault("ReplicationTaskStats", {})["StopDate"] = time.time()

    def fail(self, task: dict[str, Any], message: str) -> None:
        with self.store.lock:
            self.sync()
            task["Status"] = "failed"
            task["StopReason"] = "Stop Reason FATAL_ERROR"
            task["LastFailureMessage"] = message[:1000]
            task.setdefault("ReplicationTaskStats", {})["StopDate"] = time.time()

    def resume_running(self, endpoints_of: Any) -> None:
        """After a sandbox restart: tasks that were running with CDC continue from their checkpoints
        (`endpoints_of(task)` gives the task's (source, target) endpoint records)."""
        for task in self.store.state.tasks.values():
            if task.get("Status") in ("running", "starting") and task.get("MigrationType") != "full-load":
                pending = [t for t in task.get("_tables") or [] if t.get("TableState") != "Table completed"]
                only = [(t["SchemaName"], t["TableName"]) for t in pending]
                self.start(task, endpoints_of(task), only=only, fresh=False)

    def stop_all(self) -> None:
        for event in self.stops.values():
            event.set()
        for thread in list(self.threads.values()):
            thread.join(timeout=10)
