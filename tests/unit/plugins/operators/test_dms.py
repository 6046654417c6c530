"""DMS task and resource operators on a botocore Stubber: what each one calls, reuses and refuses."""

from __future__ import annotations

import json
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException, TaskDeferred
from botocore.stub import ANY
from operators.dms import (
    DmsCreateTaskOperator,
    DmsDeleteTaskOperator,
    DmsStartTaskOperator,
    DmsStopTaskOperator,
    normalized_mappings,
    settings_differences,
)
from operators.dms_resources import (
    DmsEndpointOperator,
    DmsReplicationInstanceOperator,
    DmsTestConnectionsOperator,
    endpoint_differences,
)
from triggers.dms import DmsWaiterTrigger

ARN = "arn:aws:dms:us-east-1:123456789012:task:TASKRESOURCEID"
SRC, TGT = "arn:aws:dms:us-east-1:1:endpoint:SRC", "arn:aws:dms:us-east-1:1:endpoint:TGT"
RI = "arn:aws:dms:us-east-1:1:rep:RI"
MAPPINGS = {"rules": [{"rule-type": "selection", "rule-id": 1, "rule-name": "a", "rule-action": "include"}]}
COMMON: dict[str, Any] = {"aws_conn_id": None, "region_name": "us-east-1", "waiter_delay": 0}
BY_ID = {"Filters": [{"Name": "replication-task-id", "Values": ["orders"]}], "WithoutSettings": False}
BY_ARN = {"Filters": [{"Name": "replication-task-arn", "Values": [ARN]}], "WithoutSettings": True}


def task(status: str, **extra: Any) -> dict[str, Any]:
    return {
        "ReplicationTaskIdentifier": "orders",
        "ReplicationTaskArn": ARN,
        "Status": status,
        "MigrationType": extra.pop("MigrationType", "full-load-and-cdc"),
        "SourceEndpointArn": SRC,
        "TargetEndpointArn": TGT,
        "ReplicationInstanceArn": RI,
        "TableMappings": json.dumps(MAPPINGS),
        "ReplicationTaskSettings": json.dumps({"FullLoadSettings": {"CommitRate": 10000, "X": 1}}),
        **extra,
    }


def create_op(**kwargs: Any) -> DmsCreateTaskOperator:
    return DmsCreateTaskOperator(
        task_id="create",
        identifier="orders",
        source_endpoint_arn=SRC,
        target_endpoint_arn=TGT,
        replication_instance_arn=RI,
        migration_type="full-load-and-cdc",
        table_mappings=MAPPINGS,
        task_settings=kwargs.pop("task_settings", {"FullLoadSettings": {"CommitRate": 10000}}),
        **COMMON,
        **kwargs,
    )


def test_existing_task_with_same_settings_is_reused(stub, context):
    op = create_op()
    stub(op.hook).add_response("describe_replication_tasks", {"ReplicationTasks": [task("running")]}, BY_ID)
    assert op.execute(context) == ARN


def test_stopped_task_with_other_settings_is_modified(stub, context):
    op = create_op(task_settings={"FullLoadSettings": {"CommitRate": 500}})
    stubber = stub(op.hook)
    stubber.add_response("describe_replication_tasks", {"ReplicationTasks": [task("stopped")]}, BY_ID)
    stubber.add_response(
        "modify_replication_task",
        {"ReplicationTask": task("modifying")},
        {
            "ReplicationTaskArn": ARN,
            "MigrationType": "full-load-and-cdc",
            "TableMappings": ANY,
            "ReplicationTaskSettings": json.dumps({"FullLoadSettings": {"CommitRate": 500}}),
        },
    )
    stubber.add_response("describe_replication_tasks", {"ReplicationTasks": [task("stopped")]}, BY_ARN)
    assert op.execute(context) == ARN


def test_running_task_with_other_settings_is_a_clear_error(stub, context):
    op = create_op(task_settings={"FullLoadSettings": {"CommitRate": 500}})
    stub(op.hook).add_response("describe_replication_tasks", {"ReplicationTasks": [task("running")]}, BY_ID)
    with pytest.raises(AirflowFailException, match=r"running with other settings.*CommitRate.*stop it first"):
        op.execute(context)


def test_task_on_other_endpoints_cannot_be_modified(stub, context):
    op = create_op()
    stub(op.hook).add_response(
        "describe_replication_tasks", {"ReplicationTasks": [task("stopped", SourceEndpointArn="x")]}, BY_ID
    )
    with pytest.raises(AirflowFailException, match="SourceEndpointArn"):
        op.execute(context)


def test_missing_task_is_created_and_deferred_on_the_project_waiter(stub, context):
    op = create_op(deferrable=True)
    stubber = stub(op.hook)
    stubber.add_client_error("describe_replication_tasks", "ResourceNotFoundFault", expected_params=BY_ID)
    stubber.add_response("create_replication_task", {"ReplicationTask": task("creating")})
    with pytest.raises(TaskDeferred) as deferred:
        op.execute(context)
    trigger = deferred.value.trigger
    assert isinstance(trigger, DmsWaiterTrigger)
    assert trigger.waiter_name == "task_created" and trigger.return_value == ARN
    assert op.execute_complete(context, {"status": "success", "value": ARN}) == ARN


@pytest.mark.parametrize(
    ("status", "reason", "migration", "expected"),
    [
        ("ready", None, "full-load-and-cdc", "start-replication"),
        ("stopped", "Stop Reason NORMAL", "full-load-and-cdc", "resume-processing"),
        ("failed", "Stop Reason RECOVERABLE_ERROR", "cdc", "resume-processing"),
        ("stopped", "Stop Reason FULL_LOAD_ONLY_FINISHED", "full-load", None),
        ("running", None, "full-load-and-cdc", None),
        ("starting", None, "full-load-and-cdc", None),
    ],
)
def test_start_never_restarts(stub, context, status, reason, migration, expected):
    op = DmsStartTaskOperator(task_id="start", replication_task_arn=ARN, wait_for_completion=False, **COMMON)
    stubber = stub(op.hook)
    described = task(status, MigrationType=migration, **({"StopReason": reason} if reason else {}))
    stubber.add_response("describe_replication_tasks", {"ReplicationTasks": [described]}, BY_ARN)
    if expected:
        stubber.add_response(
            "start_replication_task",
            {"ReplicationTask": task("starting")},
            {"ReplicationTaskArn": ARN, "StartReplicationTaskType": expected},
        )
    assert op.execute(context) == ARN


def test_stop_skips_a_stopped_task_and_delete_refuses_a_running_one(stub, context):
    stop = DmsStopTaskOperator(task_id="stop", replication_task_arn=ARN, **COMMON)
    stub(stop.hook).add_response(
        "describe_replication_tasks", {"ReplicationTasks": [task("stopped")]}, BY_ARN
    )
    assert stop.execute(context) == ARN
    delete = DmsDeleteTaskOperator(task_id="delete", identifier="orders", **COMMON)
    stub(delete.hook).add_response(
        "describe_replication_tasks",
        {"ReplicationTasks": [task("running")]},
        {**BY_ID, "WithoutSettings": True},
    )
    with pytest.raises(AirflowException, match="stop it before deleting"):
        delete.execute(context)


def test_failed_start_wait_names_the_task_failure(stub, context):
    op = DmsStartTaskOperator(task_id="start", replication_task_arn=ARN, **COMMON)
    stubber = stub(op.hook)
    stubber.add_response("describe_replication_tasks", {"ReplicationTasks": [task("ready")]}, BY_ARN)
    stubber.add_response("start_replication_task", {"ReplicationTask": task("starting")})
    failed = task("failed", StopReason="Stop Reason FATAL_ERROR", LastFailureMessage="cannot connect")
    stubber.add_response("describe_replication_tasks", {"ReplicationTasks": [failed]}, BY_ARN)
    stubber.add_response("describe_replication_tasks", {"ReplicationTasks": [failed]}, BY_ARN)
    with pytest.raises(AirflowException, match="FATAL_ERROR; LastFailureMessage: cannot connect"):
        op.execute(context)


def test_comparisons_ignore_what_the_plan_leaves_to_dms():
    assert settings_differences({"A": {"B": 1}}, {"A": {"B": 1, "C": 2}, "D": 3}) == []
    assert settings_differences({"A": {"B": 1}}, {"A": {"B": 2}}) == ["A.B"]
    assert normalized_mappings(MAPPINGS) == normalized_mappings(
        json.dumps({"rules": [{**MAPPINGS["rules"][0], "rule-id": "1", "filters": []}]})
    )


def test_secret_endpoint_members_per_engine():
    members = DmsEndpointOperator(
        task_id="src",
        identifier="o-src",
        endpoint_type="source",
        engine="mariadb",
        database="shop",
        host="db1",
        secret_arn="arn:secret",
        secrets_access_role_arn="arn:role",
        **COMMON,
    ).stated_members()
    assert members["MySQLSettings"] == {
        "SecretsManagerSecretId": "arn:secret",
        "SecretsManagerAccessRoleArn": "arn:role",
    }
    assert "ServerName" not in members and "Password" not in members
    existing = {**members, "EndpointType": "SOURCE", "EngineName": "mariadb"}
    assert endpoint_differences(existing, members) == []
    assert endpoint_differences({**existing, "DatabaseName": "other"}, members) == ["DatabaseName"]


def test_connection_endpoint_sends_the_password_only_to_create_endpoint(stub, context, monkeypatch):
    conn = {"conn_type": "postgres", "host": "pg1", "port": 5432, "login": "app", "password": "s3cr3t-pw"}
    monkeypatch.setenv("AIRFLOW_CONN_ORDERS_TARGET", json.dumps(conn))
    op = DmsEndpointOperator(
        task_id="tgt",
        identifier="o-tgt",
        endpoint_type="target",
        engine="postgres",
        database="shop",
        conn_id="orders_target",
        **COMMON,
    )
    stubber = stub(op.hook)
    stubber.add_client_error("describe_endpoints", "ResourceNotFoundFault")
    stubber.add_response(
        "create_endpoint",
        {"Endpoint": {"EndpointArn": TGT}},
        {
            "EndpointIdentifier": "o-tgt",
            "EndpointType": "target",
            "EngineName": "postgres",
            "DatabaseName": "shop",
            "ServerName": "pg1",
            "Port": 5432,
            "Username": "app",
            "Password": "s3cr3t-pw",
        },
    )
    result = op.execute(context)
    assert result == TGT and "s3cr3t-pw" not in json.dumps(result)


def test_instance_is_reused_and_connection_failures_are_explained(stub, context):
    op = DmsReplicationInstanceOperator(task_id="ri", identifier="RI-1", wait_for_completion=False, **COMMON)
    stub(op.hook).add_response(
        "describe_replication_instances",
        {
            "ReplicationInstances": [
                {
                    "ReplicationInstanceArn": RI,
                    "ReplicationInstanceStatus": "available",
                    "ReplicationInstanceClass": "dms.t3.medium",
                }
            ]
        },
        {"Filters": [{"Name": "replication-instance-id", "Values": ["ri-1"]}]},
    )
    assert op.execute(context) == RI

    test = DmsTestConnectionsOperator(task_id="t", replication_instance_arn=RI, endpoint_arns=[SRC], **COMMON)
    stubber = stub(test.hook)
    failed = {
        "Connections": [
            {
                "EndpointArn": SRC,
                "EndpointIdentifier": "o-src",
                "Status": "failed",
                "LastFailureMessage": "timeout",
            }
        ]
    }
    stubber.add_response("describe_connections", {"Connections": []})
    stubber.add_response("test_connection", {"Connection": {"Status": "testing"}})
    stubber.add_response("describe_connections", failed)
    stubber.add_response("describe_connections", failed)
    with pytest.raises(AirflowException, match="o-src: timeout"):
        test.execute(context)
