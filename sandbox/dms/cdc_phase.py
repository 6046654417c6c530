"""The CDC phase of a DMS task run: the engine's CdcRun built from the task and its endpoints, kept running
until the task stops, publishing `AWS/DMS` CloudWatch metrics, and mapped back to task states.

The control plane calls, in its task run: `make_cdc(...)` (prepare), `with cdc.handoff()` around the full
load of a full-load-and-cdc task, `cdc.start()`, then `CdcPhase(...).run(stop)` which returns the task's end
as (Status, StopReason, LastFailureMessage). Deleting the task calls `drop_cdc(...)`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sandbox.dms.engine import Database, TaskInputs, TaskSettings
from sandbox.dms.engine.cdc import CdcOptions, CdcRun, Faults

NAMESPACE = "AWS/DMS"
SECONDS = {"CDCLatencySource", "CDCLatencyTarget"}
PUBLISHED = (
    "CDCLatencySource",
    "CDCLatencyTarget",
    "CDCIncomingChanges",
    "CDCChangesDiskSource",
    "CDCThroughputRowsSource",
    "CDCThroughputRowsTarget",
)
GIB = 1024**3


def spool_path(state_dir: Path, task_resource_id: str) -> str:
    return str(Path(state_dir) / "dms-cdc" / f"{task_resource_id}.spool")


def cdc_options(task: dict[str, Any], source_endpoint: dict[str, Any]) -> CdcOptions:
    pg = source_endpoint.get("PostgreSQLSettings") or {}
    heartbeat = None
    if pg.get("HeartbeatEnable"):
        heartbeat = float(pg.get("HeartbeatFrequency") or 5) * 60.0  # minutes, as the endpoint setting
    start = task.get("CdcStartPosition")
    native = start if start and re.match(r"^([0-9A-Fa-f]+/[0-9A-Fa-f]+|.+:\d+|seq:\d+)$", start) else None
    return CdcOptions(
        slot_name=str(pg.get("SlotName") or ""),
        heartbeat_seconds=heartbeat,
        start_position=native,
        stop_position=task.get("CdcStopPosition") or None,
    )


def make_cdc(
    source: Database,
    target: Database,
    task: dict[str, Any],
    source_endpoint: dict[str, Any],
    state_dir: Path,
    faults: Faults,
) -> CdcRun:
    resource_id = task["ReplicationTaskArn"].rsplit(":", 1)[-1]
    run = CdcRun(
        TaskInputs(
            source,
            target,
            task["TableMappings"],
            TaskSettings.parse(task["ReplicationTaskSettings"]),
            resource_id,
        ),
        spool_path(state_dir, resource_id),
        cdc_options(task, source_endpoint),
        faults,
    )
    run.prepare()
    return run


def drop_cdc(
    source: Database, task: dict[str, Any], source_endpoint: dict[str, Any], state_dir: Path
) -> None:
    """Delete task: the slot or the triggers on the source, and the spool (no full preparation needed)."""
    from sandbox.dms.engine.cdc.runner import make_capture
    from sandbox.dms.engine.cdc.spool import Spool

    resource_id = task["ReplicationTaskArn"].rsplit(":", 1)[-1]
    make_capture(source, resource_id, cdc_options(task, source_endpoint)).drop()
    path = spool_path(state_dir, resource_id)
    if Path(path).exists():
        Spool(path).destroy()


def sync_faults(faults: Faults, settings: Any, task_identifier: str, source_identifier: str) -> None:
    """The sandbox's fault settings (world.faults) onto one running task's engine switches."""
    slow = task_identifier in (getattr(settings, "slow_dms_apply", None) or [])
    faults.apply_delay_seconds = float(getattr(settings, "dms_apply_delay_seconds", 0.05)) if slow else 0.0
    failing = task_identifier in (getattr(settings, "fail_dms_cdc", None) or [])
    faults.fail_message = (
        "Injected fault: the task failed during change processing (faults.fail_dms_cdc)" if failing else ""
    )
    down = getattr(settings, "unreachable_dms_sources", None) or []
    faults.source_unreachable = source_identifier in down or task_identifier in down


class CloudWatch:
    """Publishes the task's and the instance's metrics to the sandbox's CloudWatch (moto's backend)."""

    def __init__(self, world: Any, instance: dict[str, Any], task_resource_id: str) -> None:
        self.world = world
        self.instance_id = str(instance.get("ReplicationInstanceIdentifier", "")).lower()
        self.allocated_bytes = int(instance.get("AllocatedStorage") or 50) * GIB
        self.task_id = task_resource_id

    def publish(self, metrics: dict[str, float]) -> None:
        now = datetime.now(UTC).replace(tzinfo=None)  # moto keeps naive UTC timestamps
        dims = [
            {"Name": "ReplicationInstanceIdentifier", "Value": self.instance_id},
            {"Name": "ReplicationTaskIdentifier", "Value": self.task_id},
        ]
        data = [
            {
                "MetricName": name,
                "Value": float(metrics[name]),
                "Unit": "Seconds" if name in SECONDS else "Count",
                "Dimensions": dims,
                "Timestamp": now,
            }
            for name in PUBLISHED
        ]
        data.append(
            {
                "MetricName": "FreeStorageSpace",
                "Value": float(max(0, self.allocated_bytes - int(metrics.get("SpoolBytes", 0)))),
                "Unit": "Bytes",
                "Dimensions": dims[:1],
                "Timestamp": now,
            }
        )
        self.world.moto_backend("cloudwatch").put_metric_data(NAMESPACE, data)


def merge_counts(tables: list[dict[str, Any]], counts: dict[tuple[str, str], dict[str, int]]) -> None:
    """The engine's per-table CDC counters into TableStatistics-shaped dicts (in place)."""
    for stats in tables:
        c = counts.get((stats["SchemaName"], stats["TableName"]))
        if c:
            stats.update(c)


class CdcPhase:
    """Runs a started CdcRun until the task stops; publishes metrics every `publish_seconds`."""

    def __init__(
        self,
        cdc: CdcRun,
        cloudwatch: CloudWatch | None,
        on_tick: Callable[[CdcRun], None] = lambda cdc: None,
        sync: Callable[[], None] = lambda: None,
        publish_seconds: float = 5.0,
    ) -> None:
        self.cdc, self.cloudwatch, self.on_tick, self.sync = cdc, cloudwatch, on_tick, sync
        self.publish_seconds = publish_seconds

    def run(self, stop: Any, world_stopping: Any = None) -> tuple[str, str, str]:
        last = 0.0
        while not stop.wait(0.25):
            self.sync()
            self.on_tick(self.cdc)
            if self.cloudwatch is not None and time.monotonic() - last >= self.publish_seconds:
                self.cloudwatch.publish(self.cdc.metrics())
                last = time.monotonic()
            if self.cdc.finished.is_set() or (world_stopping is not None and world_stopping.is_set()):
                break
        if not self.cdc.finished.is_set():
            self.cdc.stop()
        self.on_tick(self.cdc)
        if world_stopping is not None and world_stopping.is_set() and not self.cdc.error:
            return (
                "running",
                "",
                "",
            )  # the sandbox shuts down: the task resumes from its checkpoint on restart
        if self.cloudwatch is not None:
            self.cloudwatch.publish(self.cdc.metrics())
        if self.cdc.error:
            return "failed", "Stop Reason FATAL_ERROR", self.cdc.error
        reason = self.cdc.stop_reason or "NORMAL"
        return "stopped", f"Stop Reason {reason}", ""


class StatsWithCdc:
    """A task run's statistics with the CDC counters merged in (what the control plane syncs into the task):
    the full load's live tables when it ran, else the tables the task already showed (resume, restart)."""

    def __init__(
        self, cdc: CdcRun, full_load: Any = None, previous: list[dict[str, Any]] | None = None
    ) -> None:
        self.cdc, self.full_load = cdc, full_load
        self.previous = [dict(t) for t in previous or []]

    def table_statistics(self) -> list[dict[str, Any]]:
        if self.full_load is not None:
            tables = [
                {k: v.timestamp() if hasattr(v, "timestamp") else v for k, v in t.items()}
                for t in self.full_load.table_statistics()
            ]
        else:
            tables = [dict(t) for t in self.previous]
        known = {(t["SchemaName"], t["TableName"]) for t in tables}
        for schema, table in self.cdc.loaders:
            if (schema, table) not in known:  # a cdc-only task: tables appear with their CDC counters
                tables.append({"SchemaName": schema, "TableName": table, "TableState": "Table completed",
                               "FullLoadRows": 0, "ValidationState": "Not enabled", "LastUpdateTime": time.time()})  # fmt: skip
        merge_counts(tables, self.cdc.table_counts())
        return tables

    def task_stats(self) -> dict[str, Any]:
        return self.full_load.task_stats() if self.full_load is not None else {}
