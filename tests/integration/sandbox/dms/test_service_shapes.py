"""Every DMS response body fits the botocore output shape (strict: no unknown members), errors carry __type."""

from __future__ import annotations

import json
import time
from pathlib import Path

import botocore.session
import pytest

from sandbox.config import load_config
from sandbox.dms.service import DmsService
from sandbox.http import SandboxRequest
from sandbox.shapes import shape_errors
from sandbox.testing import include_all
from sandbox.world import SandboxWorld

from .conftest import create_realistic

pytestmark = pytest.mark.integration
MODEL = botocore.session.get_session().get_service_model("dms")
# AWS returns EndpointType upper case (SOURCE/TARGET) although the model's enum is lower case.
KNOWN_DEVIATIONS = {"EndpointType"}


class World(SandboxWorld):
    """A real world that also keeps what was saved, for the test to read."""

    def __init__(self, state_dir: Path) -> None:
        super().__init__(load_config({"source_servers": []}), state_dir)
        self.saved: dict = {}

    def save_state(self, name, data):
        super().save_state(name, data)
        self.saved[name] = json.loads(json.dumps(data))


def call(service: DmsService, op: str, body: dict) -> tuple[int, dict]:
    request = SandboxRequest.build(
        "POST", "/", body, headers={"X-Amz-Target": f"AmazonDMSv20160101.{op}"}, service="dms"
    )
    response = service.handle(request)
    payload = json.loads(response.body)
    if response.status == 200:
        errors = [
            e
            for e in shape_errors(MODEL.operation_model(op).output_shape, payload)
            if e[0].rsplit(".", 1)[-1] not in KNOWN_DEVIATIONS
        ]
        assert errors == [], (op, errors)
    else:
        assert response.status == 400 and payload["__type"] and payload["message"]
    return response.status, payload


def test_responses_fit_the_model(tmp_path, sqlite_url):
    create_realistic(sqlite_url, customers=10)
    world = World(tmp_path)
    service = DmsService(world)
    service.timings.instance_create_seconds = 0
    _, inst = call(
        service,
        "CreateReplicationInstance",
        {"ReplicationInstanceIdentifier": "ri", "ReplicationInstanceClass": "dms.t3.micro"},
    )
    inst_arn = inst["ReplicationInstance"]["ReplicationInstanceArn"]
    arns = {}
    for ident, etype, path in (("s", "source", sqlite_url.database), ("t", "target", str(tmp_path / "t.db"))):
        _, ep = call(
            service,
            "CreateEndpoint",
            {
                "EndpointIdentifier": ident,
                "EndpointType": etype,
                "EngineName": "sqlite",
                "DatabaseName": path,
            },
        )
        arns[ident] = ep["Endpoint"]["EndpointArn"]
        call(service, "TestConnection", {"ReplicationInstanceArn": inst_arn, "EndpointArn": arns[ident]})
    _, task = call(
        service,
        "CreateReplicationTask",
        {
            "ReplicationTaskIdentifier": "task",
            "SourceEndpointArn": arns["s"],
            "TargetEndpointArn": arns["t"],
            "ReplicationInstanceArn": inst_arn,
            "MigrationType": "full-load",
            "TableMappings": json.dumps(include_all()),
            "ReplicationTaskSettings": json.dumps({"ValidationSettings": {"EnableValidation": True}}),
        },
    )
    task_arn = task["ReplicationTask"]["ReplicationTaskArn"]
    by_task = {"Filters": [{"Name": "replication-task-arn", "Values": [task_arn]}]}
    deadline = time.monotonic() + 30
    while call(service, "DescribeReplicationTasks", by_task)[1]["ReplicationTasks"][0]["Status"] != "ready":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    call(
        service,
        "StartReplicationTask",
        {"ReplicationTaskArn": task_arn, "StartReplicationTaskType": "start-replication"},
    )
    while call(service, "DescribeReplicationTasks", by_task)[1]["ReplicationTasks"][0]["Status"] != "stopped":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    _, stats = call(service, "DescribeTableStatistics", {"ReplicationTaskArn": task_arn, "MaxRecords": 20})
    assert len(stats["TableStatistics"]) == 5
    call(service, "DescribeConnections", {})
    call(service, "DescribeEndpoints", {"MaxRecords": 20})
    call(service, "DescribeReplicationInstances", {})
    assert (
        call(
            service,
            "DescribeReplicationTasks",
            {"Filters": [{"Name": "replication-task-id", "Values": ["x"]}]},
        )[1]["__type"]
        == "ResourceNotFoundFault"
    )
    assert (
        call(service, "StopReplicationTask", {"ReplicationTaskArn": task_arn})[1]["__type"]
        == "InvalidResourceStateFault"
    )
    assert (
        call(
            service,
            "CreateEndpoint",
            {"EndpointIdentifier": "x", "EndpointType": "source", "EngineName": "oracle"},
        )[1]["__type"]
        == "InvalidParameterValueException"
    )
    call(service, "DeleteReplicationTask", {"ReplicationTaskArn": task_arn})
    stored = world.saved["dms"]
    assert all("Password" not in e for e in stored["endpoints"].values())  # none were given
