"""The DMS operators with real boto3 against the sandbox, moving real rows (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException
from hooks.dms import DmsMigrationHook
from operators.dms import (
    DmsCreateTaskOperator,
    DmsDeleteTaskOperator,
    DmsStartTaskOperator,
    DmsStopTaskOperator,
)
from operators.dms_resources import (
    DmsDeleteEndpointOperator,
    DmsDeleteReplicationInstanceOperator,
    DmsEndpointOperator,
    DmsReplicationInstanceOperator,
    DmsTestConnectionsOperator,
)
from sqlalchemy import create_engine, text

from sandbox.testing import include_all
from tests.fixtures.databases import postgres_url  # noqa: F401 (fixture)

MAPPINGS = include_all()
FAST = {"waiter_delay": 1, "waiter_max_attempts": 60}


def _sqlite(path, rows: int = 0) -> str:
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        if rows:
            conn.execute(text("CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(20), qty INTEGER)"))
            conn.execute(
                text("INSERT INTO items VALUES (:i, :n, :q)"),
                [{"i": i, "n": f"item {i}", "q": i * 3} for i in range(1, rows + 1)],
            )
    engine.dispose()
    return str(path)


def _count(url: str, table: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
    engine.dispose()
    return n


def _ops(aws_conn: str, name: str, source: dict[str, Any], target: dict[str, Any]) -> dict[str, Any]:
    common = {"aws_conn_id": aws_conn, **FAST}
    return {
        "instance": lambda: DmsReplicationInstanceOperator(task_id="ri", identifier=f"ri-{name}", **common),
        "source": lambda: DmsEndpointOperator(
            task_id="src", identifier=f"{name}-src", endpoint_type="source", **source, **common
        ),
        "target": lambda: DmsEndpointOperator(
            task_id="tgt", identifier=f"{name}-tgt", endpoint_type="target", **target, **common
        ),
        "common": common,
    }


def _setup(ops: dict[str, Any], context: dict[str, Any]) -> tuple[str, str, str]:
    instance = ops["instance"]().execute(context)
    src, tgt = ops["source"]().execute(context), ops["target"]().execute(context)
    tested = DmsTestConnectionsOperator(
        task_id="test", replication_instance_arn=instance, endpoint_arns=[src, tgt], **ops["common"]
    ).execute(context)
    assert tested == [src, tgt]
    return instance, src, tgt


def _create(ops, context, name, instance, src, tgt, migration_type="full-load", settings=None) -> str:
    return DmsCreateTaskOperator(
        task_id="create",
        identifier=f"{name}-task",
        source_endpoint_arn=src,
        target_endpoint_arn=tgt,
        replication_instance_arn=instance,
        migration_type=migration_type,
        table_mappings=MAPPINGS,
        task_settings=settings,
        **ops["common"],
    ).execute(context)


def _sqlite_pair(aws_conn, context, tmp_path, rows: int):
    """A SQLite source of `rows` items and an empty target, with their endpoints and a replication instance:
    (name, ops, target, (instance ARN, source endpoint ARN, target endpoint ARN))."""
    name = f"it{uuid.uuid4().hex[:8]}"
    source = {"engine": "sqlite", "database": _sqlite(tmp_path / "src.db", rows=rows)}
    target = {"engine": "sqlite", "database": _sqlite(tmp_path / "tgt.db")}
    ops = _ops(aws_conn, name, source, target)
    return name, ops, target, _setup(ops, context)


def test_full_load_lifecycle_is_idempotent_and_cleans_up(aws_conn, sandbox, context, tmp_path):
    name, ops, target, (instance, src, tgt) = _sqlite_pair(aws_conn, context, tmp_path, rows=50)
    assert _setup(ops, context) == (instance, src, tgt)  # a retry reuses all three

    settings = {"FullLoadSettings": {"CommitRate": 1000}}
    arn = _create(ops, context, name, instance, src, tgt, settings=settings)
    assert _create(ops, context, name, instance, src, tgt, settings=settings) == arn
    other = {"FullLoadSettings": {"CommitRate": 500}}
    assert _create(ops, context, name, instance, src, tgt, settings=other) == arn  # ready: modified
    dms = sandbox.client("dms")
    described = dms.describe_replication_tasks()["ReplicationTasks"]
    assert len(described) == 1
    assert json.loads(described[0]["ReplicationTaskSettings"])["FullLoadSettings"]["CommitRate"] == 500

    start = DmsStartTaskOperator(task_id="start", replication_task_arn=arn, **ops["common"])
    assert start.execute(context) == arn
    DmsStopTaskOperator(task_id="stop", replication_task_arn=arn, **ops["common"]).execute(context)
    task = dms.describe_replication_tasks()["ReplicationTasks"][0]
    assert task["Status"] == "stopped" and "FULL_LOAD_ONLY_FINISHED" in task["StopReason"]
    assert _count(f"sqlite:///{target['database']}", "items") == 50
    first_start = task["ReplicationTaskStartDate"]
    start.execute(context)  # a retry: the finished full load is not loaded again
    task = dms.describe_replication_tasks()["ReplicationTasks"][0]
    assert task["ReplicationTaskStartDate"] == first_start and task["Status"] == "stopped"

    common = ops["common"]
    for _ in range(2):  # the second round finds nothing and skips
        DmsDeleteTaskOperator(task_id="d1", identifier=f"{name}-task", **common).execute(context)
        for ep in ("src", "tgt"):
            DmsDeleteEndpointOperator(task_id="d2", identifier=f"{name}-{ep}", **common).execute(context)
        DmsDeleteReplicationInstanceOperator(task_id="d3", identifier=f"ri-{name}", **common).execute(context)
    hook = DmsMigrationHook(aws_conn_id=aws_conn)
    assert hook.describe_task(f"{name}-task") is None
    assert hook.describe_endpoint(f"{name}-src") is None
    assert hook.describe_replication_instance(f"ri-{name}") is None


def test_cdc_task_retry_resumes_never_restarts(aws_conn, sandbox, context, tmp_path):
    name, ops, _, (instance, src, tgt) = _sqlite_pair(aws_conn, context, tmp_path, rows=20)
    arn = _create(ops, context, name, instance, src, tgt, migration_type="full-load-and-cdc")
    start = DmsStartTaskOperator(task_id="start", replication_task_arn=arn, **ops["common"])
    start.execute(context)
    dms = sandbox.client("dms")
    first = dms.describe_replication_tasks()["ReplicationTasks"][0]
    assert first["Status"] == "running"

    start.execute(context)  # retry while running: left alone
    again = dms.describe_replication_tasks()["ReplicationTasks"][0]
    assert again["Status"] == "running"
    assert again["ReplicationTaskStartDate"] == first["ReplicationTaskStartDate"]

    with pytest.raises(AirflowFailException, match="running with other settings"):
        _create(
            ops,
            context,
            name,
            instance,
            src,
            tgt,
            "full-load-and-cdc",
            {"FullLoadSettings": {"CommitRate": 7}},
        )

    stop = DmsStopTaskOperator(task_id="stop", replication_task_arn=arn, **ops["common"])
    stop.execute(context)
    stop.execute(context)  # already stopped: nothing to do
    start.execute(context)  # stopped CDC task: resumed, not restarted
    resumed = dms.describe_replication_tasks()["ReplicationTasks"][0]
    assert resumed["Status"] == "running"
    stop.execute(context)
    with pytest.raises(AirflowFailException, match="exists with other"):
        DmsEndpointOperator(
            task_id="src",
            identifier=f"{name}-src",
            endpoint_type="source",
            engine="sqlite",
            database=str(tmp_path / "elsewhere.db"),
            **ops["common"],
        ).execute(context)


def test_secret_endpoints_and_a_failed_connection_test(aws_conn, sandbox, context, postgres_url):  # noqa: F811
    name = f"it{uuid.uuid4().hex[:8]}"
    secrets = sandbox.client("secretsmanager")
    good = secrets.create_secret(
        Name=f"{name}/good",
        SecretString=json.dumps(
            {"username": "postgres", "password": "pw-never-shown", "host": "127.0.0.1", "port": 5432}
        ),
    )["ARN"]
    bad = secrets.create_secret(
        Name=f"{name}/bad",
        SecretString=json.dumps(
            {"username": "nobody", "password": "pw-never-shown", "host": "127.0.0.1", "port": 1}
        ),
    )["ARN"]
    common = {"aws_conn_id": aws_conn, **FAST}
    instance = DmsReplicationInstanceOperator(task_id="ri", identifier=f"ri-{name}", **common).execute(
        context
    )
    role = "arn:aws:iam::123456789012:role/dms-secrets"
    arns = [
        DmsEndpointOperator(
            task_id=f"e{i}",
            identifier=f"{name}-{i}",
            endpoint_type="source",
            engine="postgres",
            database=postgres_url.database,
            secret_arn=secret,
            secrets_access_role_arn=role,
            **common,
        ).execute(context)
        for i, secret in enumerate([good, bad])
    ]
    endpoint = sandbox.client("dms").describe_endpoints(
        Filters=[{"Name": "endpoint-arn", "Values": [arns[0]]}]
    )["Endpoints"][0]
    assert endpoint["PostgreSQLSettings"]["SecretsManagerSecretId"] == good
    assert endpoint["PostgreSQLSettings"]["SecretsManagerAccessRoleArn"] == role
    assert "Password" not in json.dumps(endpoint)
    DmsTestConnectionsOperator(
        task_id="t", replication_instance_arn=instance, endpoint_arns=[arns[0]], **common
    ).execute(context)
    with pytest.raises(AirflowException, match=f"{name}-1") as failed:
        DmsTestConnectionsOperator(
            task_id="t", replication_instance_arn=instance, endpoint_arns=arns, **common
        ).execute(context)
    assert "pw-never-shown" not in str(failed.value)
