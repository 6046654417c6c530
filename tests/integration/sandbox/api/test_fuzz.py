"""The fuzz test: random, boundary and malformed requests for every implemented MGN and DMS operation.

Bounded in time (SANDBOX_FUZZ_SECONDS, default 20) and loopback only (see sandbox.fuzzing). No answer may be
a 5xx or an error type the protocol does not declare; the state files stay strict JSON; and the normal
walks (an MGN test launch, a DMS full load) still work afterwards. `benchmarks/sandbox_fuzz.py` runs the
same campaign for longer.
"""

from __future__ import annotations

import json
import os
import sqlite3

import pytest

from sandbox.fuzzing import Campaign, strict_json_problems
from sandbox.testing import SandboxHandle, running_sandbox
from tests.integration.sandbox.helpers import wait_for, wait_job, wait_replicating

SECONDS = float(os.environ.get("SANDBOX_FUZZ_SECONDS", "20"))
SEED = int(os.environ.get("SANDBOX_FUZZ_SEED", "8"))
WALK_SERVER = "s-0000000000000walk"
INCLUDE_ALL = {
    "rules": [
        {
            "rule-type": "selection",
            "rule-id": "1",
            "rule-name": "all",
            "object-locator": {"schema-name": "%", "table-name": "%"},
            "rule-action": "include",
        }
    ]
}
TINY_DISK = [{"device": "/dev/sda", "size_mb": 1}]
CONFIG = {
    "source_servers": [
        {"hostname": "fuzz-{n}", "count": 2, "disks": TINY_DISK},
        {"hostname": "walk", "source_server_id": WALK_SERVER, "disks": TINY_DISK},
    ]
}


def _resources(sandbox: SandboxHandle, scratch) -> list[str]:
    """Real ids for the campaign to aim at (never the walk's server)."""
    mgn, dms = sandbox.client("mgn"), sandbox.client("dms")
    servers = [s["sourceServerID"] for s in wait_replicating(mgn, count=3)]
    ids = [s for s in servers if s != WALK_SERVER]
    wave = mgn.create_wave(name="fuzz-wave")
    app = mgn.create_application(name="fuzz-app")
    ids += [wave["waveID"], wave["arn"], app["applicationID"], app["arn"]]
    ids.append(
        dms.create_replication_instance(
            ReplicationInstanceIdentifier="fuzz-ri", ReplicationInstanceClass="dms.t3.micro"
        )["ReplicationInstance"]["ReplicationInstanceArn"]
    )
    for kind in ("source", "target"):
        ids.append(
            dms.create_endpoint(
                EndpointIdentifier=f"fuzz-{kind}",
                EndpointType=kind,
                EngineName="sqlite",
                DatabaseName=str(scratch / f"{kind}.sqlite"),
            )["Endpoint"]["EndpointArn"]
        )
    return ids


def _mgn_walk(sandbox: SandboxHandle) -> None:
    mgn = sandbox.client("mgn")
    job = wait_job(mgn, mgn.start_test(sourceServerIDs=[WALK_SERVER])["job"]["jobID"])
    assert job["participatingServers"][0]["launchStatus"] == "LAUNCHED"
    server = mgn.describe_source_servers(filters={"sourceServerIDs": [WALK_SERVER]})["items"][0]
    assert server["lifeCycle"]["state"] == "TESTING"


def _dms_walk(sandbox: SandboxHandle, folder) -> None:
    dms = sandbox.client("dms")
    source_path, target_path = folder / "walk-source.sqlite", folder / "walk-target.sqlite"
    with sqlite3.connect(source_path) as db:
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        db.executemany("INSERT INTO t VALUES (?, ?)", [(i, f"v{i}") for i in range(50)])
    instance = dms.create_replication_instance(
        ReplicationInstanceIdentifier="walk-ri", ReplicationInstanceClass="dms.t3.micro"
    )["ReplicationInstance"]["ReplicationInstanceArn"]
    fast = {"Delay": 0.2, "MaxAttempts": 150}
    dms.get_waiter("replication_instance_available").wait(
        Filters=[{"Name": "replication-instance-arn", "Values": [instance]}], WaiterConfig=fast
    )
    endpoints = [
        dms.create_endpoint(
            EndpointIdentifier=f"walk-{kind}", EndpointType=kind, EngineName="sqlite", DatabaseName=str(path)
        )["Endpoint"]["EndpointArn"]
        for kind, path in (("source", source_path), ("target", target_path))
    ]
    task = dms.create_replication_task(
        ReplicationTaskIdentifier="walk-task",
        SourceEndpointArn=endpoints[0],
        TargetEndpointArn=endpoints[1],
        ReplicationInstanceArn=instance,
        MigrationType="full-load",
        TableMappings=json.dumps(INCLUDE_ALL),
    )["ReplicationTask"]["ReplicationTaskArn"]
    by_arn = [{"Name": "replication-task-arn", "Values": [task]}]
    dms.get_waiter("replication_task_ready").wait(Filters=by_arn, WaiterConfig=fast)
    dms.start_replication_task(ReplicationTaskArn=task, StartReplicationTaskType="start-replication")
    wait_for(
        lambda: dms.describe_replication_tasks(Filters=by_arn)["ReplicationTasks"][0]["Status"] == "stopped",
        timeout=60,
        what="the walk's task stopped",
    )
    stats = dms.describe_table_statistics(ReplicationTaskArn=task)["TableStatistics"]
    assert [(s["TableName"], s["FullLoadRows"]) for s in stats] == [("t", 50)]


@pytest.mark.timeout(SECONDS + 240)
def test_fuzz_finds_no_5xx_and_leaves_a_working_sandbox(tmp_path) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with running_sandbox(CONFIG, tmp_path / "state") as sandbox:
        campaign = Campaign(sandbox.endpoint_url, scratch, seed=SEED, known_ids=_resources(sandbox, scratch))
        campaign.run(SECONDS)
        findings = [str(f) for f in campaign.findings]
        assert findings == [], f"{len(findings)} findings in {campaign.sent} requests (seed {SEED})"
        assert campaign.sent >= 200 and set(campaign.kinds) == {"shape", "body", "signature", "encoding"}
        assert campaign.statuses[200] > 0  # the campaign reaches the handlers, not only the checks
        sandbox.server.services["mgn"].store.save()
        sandbox.server.services["dms"].store.save()
        assert strict_json_problems(sandbox.state_dir) == []
        _mgn_walk(sandbox)
        _dms_walk(sandbox, scratch)
        wait_for(lambda: strict_json_problems(sandbox.state_dir) == [], what="strict JSON state")
