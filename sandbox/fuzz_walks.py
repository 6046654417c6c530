"""The world a fuzz campaign runs in, the real ids it aims at, and the normal walks that must still pass
after it (shared by tests/integration/sandbox/api/test_fuzz.py and benchmarks/sandbox_fuzz.py)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sandbox.testing import SandboxHandle, include_all, wait_for

WALK_SERVER = "s-0000000000000walk"  # the campaign never learns this id: the MGN walk uses it afterwards
TINY_DISK = [{"device": "/dev/sda", "size_mb": 1}]
CONFIG = {
    "source_servers": [
        {"hostname": "fuzz-{n}", "count": 2, "disks": TINY_DISK},
        {"hostname": "walk", "source_server_id": WALK_SERVER, "disks": TINY_DISK},
    ]
}
INCLUDE_ALL = include_all()
FAST = {"Delay": 0.2, "MaxAttempts": 150}


def _wait(predicate: Callable[[], Any], what: str, timeout: float = 60) -> Any:
    return wait_for(predicate, timeout, 0.1, what)


def targets(sandbox: SandboxHandle, scratch: Path) -> list[str]:
    """Real ids for the campaign to aim at: two source servers, a wave, an application, DMS resources."""
    mgn, dms = sandbox.client("mgn"), sandbox.client("dms")

    def replicating() -> list[str] | None:
        items = mgn.describe_source_servers(filters={})["items"]
        ready = [s for s in items if "lagDuration" in s["dataReplicationInfo"]]
        return [s["sourceServerID"] for s in items] if len(ready) == len(items) == 3 else None

    ids = [s for s in _wait(replicating, "three replicating servers") if s != WALK_SERVER]
    wave, app = mgn.create_wave(name="fuzz-wave"), mgn.create_application(name="fuzz-app")
    ids += [wave["waveID"], wave["arn"], app["applicationID"], app["arn"]]
    instance = dms.create_replication_instance(
        ReplicationInstanceIdentifier="fuzz-ri", ReplicationInstanceClass="dms.t3.micro"
    )
    ids.append(instance["ReplicationInstance"]["ReplicationInstanceArn"])
    for kind in ("source", "target"):
        endpoint = dms.create_endpoint(
            EndpointIdentifier=f"fuzz-{kind}",
            EndpointType=kind,
            EngineName="sqlite",
            DatabaseName=str(scratch / f"{kind}.sqlite"),
        )
        ids.append(endpoint["Endpoint"]["EndpointArn"])
    return ids


def mgn_walk(sandbox: SandboxHandle) -> None:
    """A test launch of the walk server: the job completes and the server is TESTING."""
    mgn = sandbox.client("mgn")
    job_id = mgn.start_test(sourceServerIDs=[WALK_SERVER])["job"]["jobID"]

    def completed() -> dict[str, Any] | None:
        job = mgn.describe_jobs(filters={"jobIDs": [job_id]})["items"][0]
        return job if job["status"] == "COMPLETED" else None

    job = _wait(completed, "the walk's launch job")
    assert job["participatingServers"][0]["launchStatus"] == "LAUNCHED"
    server = mgn.describe_source_servers(filters={"sourceServerIDs": [WALK_SERVER]})["items"][0]
    assert server["lifeCycle"]["state"] == "TESTING"


def dms_walk(sandbox: SandboxHandle, folder: Path) -> None:
    """A full load of 50 rows between two SQLite files, through instance, endpoints and task."""
    dms = sandbox.client("dms")
    source_path, target_path = folder / "walk-source.sqlite", folder / "walk-target.sqlite"
    with sqlite3.connect(source_path) as db:
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        db.executemany("INSERT INTO t VALUES (?, ?)", [(i, f"v{i}") for i in range(50)])
    instance = dms.create_replication_instance(
        ReplicationInstanceIdentifier="walk-ri", ReplicationInstanceClass="dms.t3.micro"
    )["ReplicationInstance"]["ReplicationInstanceArn"]
    dms.get_waiter("replication_instance_available").wait(
        Filters=[{"Name": "replication-instance-arn", "Values": [instance]}], WaiterConfig=FAST
    )
    source, target = (
        dms.create_endpoint(
            EndpointIdentifier=f"walk-{kind}", EndpointType=kind, EngineName="sqlite", DatabaseName=str(path)
        )["Endpoint"]["EndpointArn"]
        for kind, path in (("source", source_path), ("target", target_path))
    )
    task = dms.create_replication_task(
        ReplicationTaskIdentifier="walk-task",
        SourceEndpointArn=source,
        TargetEndpointArn=target,
        ReplicationInstanceArn=instance,
        MigrationType="full-load",
        TableMappings=json.dumps(INCLUDE_ALL),
    )["ReplicationTask"]["ReplicationTaskArn"]
    by_arn = [{"Name": "replication-task-arn", "Values": [task]}]
    dms.get_waiter("replication_task_ready").wait(Filters=by_arn, WaiterConfig=FAST)
    dms.start_replication_task(ReplicationTaskArn=task, StartReplicationTaskType="start-replication")
    _wait(
        lambda: dms.describe_replication_tasks(Filters=by_arn)["ReplicationTasks"][0]["Status"] == "stopped",
        "the walk's task stopped",
    )
    stats = dms.describe_table_statistics(ReplicationTaskArn=task)["TableStatistics"]
    assert [(s["TableName"], s["FullLoadRows"]) for s in stats] == [("t", 50)]
