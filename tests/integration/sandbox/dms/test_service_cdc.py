"""CDC through the DMS control plane: real boto3 clients against the sandbox, real databases on both sides."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from sandbox.testing import running_sandbox, wait_for

from .conftest import execute

pytestmark = pytest.mark.integration

FAST = {"Delay": 0.2, "MaxAttempts": 300}
MAPPINGS = json.dumps(
    {
        "rules": [
            {"rule-type": "selection", "rule-id": "1", "rule-name": "all",
             "object-locator": {"schema-name": "public", "table-name": "%"}, "rule-action": "include"}
        ]
    }
)  # fmt: skip


def _until(check, timeout=30.0, what="condition"):
    return wait_for(check, timeout, 0.2, what)


class Task:
    """One full-load-and-cdc task PostgreSQL → MariaDB on a sandbox, with the calls the tests make."""

    def __init__(self, sandbox, source_url, target_url, **task_args):
        self.dms, self.sandbox = sandbox.client("dms"), sandbox
        suffix = uuid.uuid4().hex[:8]
        self.instance_id = f"ri-cdc-{suffix}"
        inst = self.dms.create_replication_instance(
            ReplicationInstanceIdentifier=self.instance_id, ReplicationInstanceClass="dms.t3.medium"
        )["ReplicationInstance"]["ReplicationInstanceArn"]
        self.dms.get_waiter("replication_instance_available").wait(
            Filters=[{"Name": "replication-instance-arn", "Values": [inst]}], WaiterConfig=FAST
        )
        self.source_id = f"src-{suffix}"
        src = self.dms.create_endpoint(
            EndpointIdentifier=self.source_id, EndpointType="source", EngineName="postgres",
            ServerName=source_url.host, Port=source_url.port, DatabaseName=source_url.database, Username="postgres",
        )["Endpoint"]["EndpointArn"]  # fmt: skip
        tgt = self.dms.create_endpoint(
            EndpointIdentifier=f"tgt-{suffix}", EndpointType="target", EngineName="mariadb",
            ServerName=target_url.host, Port=target_url.port, DatabaseName=target_url.database, Username="root",
        )["Endpoint"]["EndpointArn"]  # fmt: skip
        self.ident = f"task-{suffix}"
        self.arn = self.dms.create_replication_task(
            ReplicationTaskIdentifier=self.ident, SourceEndpointArn=src, TargetEndpointArn=tgt,
            ReplicationInstanceArn=inst, MigrationType="full-load-and-cdc", TableMappings=MAPPINGS, **task_args,
        )["ReplicationTask"]["ReplicationTaskArn"]  # fmt: skip
        self.resource_id = self.arn.rsplit(":", 1)[-1]
        self.dms.get_waiter("replication_task_ready").wait(
            Filters=[{"Name": "replication-task-arn", "Values": [self.arn]}], WaiterConfig=FAST
        )

    def describe(self):
        return self.dms.describe_replication_tasks(
            Filters=[{"Name": "replication-task-arn", "Values": [self.arn]}]
        )["ReplicationTasks"][0]

    def start(self, kind="start-replication"):
        self.dms.start_replication_task(ReplicationTaskArn=self.arn, StartReplicationTaskType=kind)
        _until(lambda: self.describe()["Status"] == "running", what="running")

    def stop(self):
        self.dms.stop_replication_task(ReplicationTaskArn=self.arn)
        return _until(lambda: (t := self.describe())["Status"] == "stopped" and t, what="stopped")

    def tables(self):
        return {
            t["TableName"]: t
            for t in self.dms.describe_table_statistics(ReplicationTaskArn=self.arn)["TableStatistics"]
        }

    def metric(self, name):
        cloudwatch = self.sandbox.client("cloudwatch")
        points = cloudwatch.get_metric_statistics(
            Namespace="AWS/DMS", MetricName=name,
            Dimensions=[{"Name": "ReplicationInstanceIdentifier", "Value": self.instance_id},
                        {"Name": "ReplicationTaskIdentifier", "Value": self.resource_id}],
            StartTime=datetime.now(UTC) - timedelta(minutes=10), EndTime=datetime.now(UTC) + timedelta(minutes=1),
            Period=60, Statistics=["Maximum"],
        )["Datapoints"]  # fmt: skip
        return points


def _slot_of(url, resource_id):
    rows = execute(
        url, f"SELECT slot_name FROM pg_replication_slots WHERE slot_name = 'dms_{resource_id.lower()}'"
    )
    return rows[0][0] if rows else None


def _target_rows(url):
    try:
        return execute(url, "SELECT id, v FROM items ORDER BY id")
    except Exception:  # not created yet: the full load has not started
        return None


def test_full_load_and_cdc_through_the_api(postgres_url, mariadb_url, tmp_path):
    execute(
        postgres_url,
        "CREATE TABLE items (id int PRIMARY KEY, v text)",
        "INSERT INTO items VALUES (1, 'a'), (2, 'b')",
    )
    with running_sandbox({"source_servers": []}, tmp_path / "state") as sandbox:
        task = Task(sandbox, postgres_url, mariadb_url)
        task.start()
        _until(lambda: _target_rows(mariadb_url) == [(1, "a"), (2, "b")], what="full load")
        execute(
            postgres_url,
            "INSERT INTO items VALUES (3, 'c')",
            "UPDATE items SET v = 'B' WHERE id = 2",
            "DELETE FROM items WHERE id = 1",
        )
        _until(lambda: _target_rows(mariadb_url) == [(2, "B"), (3, "c")], what="changes applied")
        stats = _until(lambda: (s := task.tables()["items"])["AppliedDeletes"] == 1 and s, what="statistics")
        assert (stats["Inserts"], stats["Updates"], stats["Deletes"]) == (1, 1, 1)
        assert stats["AppliedInserts"] == 1 and stats["FullLoadRows"] == 2
        assert _until(lambda: task.metric("CDCLatencySource"), timeout=20, what="CloudWatch CDCLatencySource")
        assert _until(lambda: task.metric("CDCLatencyTarget"), timeout=20, what="CloudWatch CDCLatencyTarget")
        stopped = task.stop()
        assert stopped["StopReason"] == "Stop Reason NORMAL"
        assert _slot_of(postgres_url, task.resource_id)  # a stopped task keeps its slot
        execute(postgres_url, "INSERT INTO items VALUES (4, 'd')")  # while stopped
        task.start("resume-processing")
        _until(lambda: _target_rows(mariadb_url) == [(2, "B"), (3, "c"), (4, "d")], what="resume")
        task.stop()
        task.dms.delete_replication_task(ReplicationTaskArn=task.arn)
        task.dms.get_waiter("replication_task_deleted").wait(
            Filters=[{"Name": "replication-task-arn", "Values": [task.arn]}], WaiterConfig=FAST
        )
        assert _slot_of(postgres_url, task.resource_id) is None  # deleting the task drops its slot


def test_a_running_task_resumes_after_a_sandbox_restart(postgres_url, mariadb_url, tmp_path):
    execute(
        postgres_url, "CREATE TABLE items (id int PRIMARY KEY, v text)", "INSERT INTO items VALUES (1, 'a')"
    )
    state = tmp_path / "state"
    with running_sandbox({"source_servers": []}, state) as sandbox:
        task = Task(sandbox, postgres_url, mariadb_url)
        task.start()
        _until(lambda: _target_rows(mariadb_url) == [(1, "a")], what="full load")
    execute(postgres_url, "INSERT INTO items VALUES (2, 'while down')")
    with running_sandbox({"source_servers": []}, state) as sandbox:
        task.dms = sandbox.client("dms")
        assert task.describe()["Status"] in ("starting", "running")  # not failed: it resumes
        _until(lambda: task.describe()["Status"] == "running", what="running again")
        _until(
            lambda: _target_rows(mariadb_url) == [(1, "a"), (2, "while down")], what="resumed after restart"
        )
        task.stop()
        task.dms.delete_replication_task(ReplicationTaskArn=task.arn)
        _until(lambda: _slot_of(postgres_url, task.resource_id) is None, what="slot dropped")


def test_stop_position_and_faults(postgres_url, mariadb_url, tmp_path):
    execute(postgres_url, "CREATE TABLE items (id int PRIMARY KEY, v text)")
    with running_sandbox({"source_servers": []}, tmp_path / "state") as sandbox:
        task = Task(sandbox, postgres_url, mariadb_url)
        sandbox.faults(slow_dms_apply=[task.ident], dms_apply_delay_seconds=0.3)
        task.start()
        _until(
            lambda: task.tables().get("items", {}).get("TableState") == "Table completed", what="full load"
        )
        execute(
            postgres_url, *[f"INSERT INTO items VALUES ({i}, 'x')" for i in range(20)]
        )  # changes, not loaded rows
        assert _until(
            lambda: any(p["Maximum"] > 0 for p in task.metric("CDCIncomingChanges")),
            timeout=20,
            what="backlog",
        )
        sandbox.faults(fail_dms_cdc=[task.ident])
        failed = _until(lambda: (t := task.describe())["Status"] == "failed" and t, what="failed")
        assert (
            failed["StopReason"] == "Stop Reason FATAL_ERROR"
            and "fail_dms_cdc" in failed["LastFailureMessage"]
        )
        sandbox.faults(reset=True)
        stamp = (datetime.now(UTC) + timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%S")
        task.dms.modify_replication_task(ReplicationTaskArn=task.arn, CdcStopPosition=f"commit_time:{stamp}")
        _until(
            lambda: task.describe()["Status"] == "stopped" or task.describe()["Status"] == "failed",
            what="modified",
        )
        task.start("resume-processing")
        stopped = _until(
            lambda: (t := task.describe())["Status"] == "stopped" and t, timeout=30, what="stop position"
        )
        assert stopped["StopReason"] == "Stop Reason STOPPED_AT_COMMIT_TIME"
        assert len(_target_rows(mariadb_url)) == 20
        task.dms.delete_replication_task(ReplicationTaskArn=task.arn)
