"""The rollback operators: revert what a wave's state allows, terminate what may still be terminated,
restore only the DNS records a switch recorded."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import ANY
from moto import mock_aws
from operators.dns import Route53SwitchRecordOperator
from operators.rollback import (
    MgnRevertLifecycleOperator,
    MgnRollbackTerminateOperator,
    Route53RevertIfSwitchedOperator,
)

from tests.unit.plugins.conftest import jid, job, server, sid
from tests.unit.plugins.operators.test_dns import put

AWS: dict[str, Any] = {"aws_conn_id": None, "region_name": "us-east-1"}


def test_revert_lifecycle_reverts_launch_states_and_lists_finalized_servers(stub, context):
    ids = [sid(n) for n in range(1, 6)]
    op = MgnRevertLifecycleOperator(task_id="revert", source_server_ids=ids, **AWS)
    stubber = stub(op.hook)
    servers = [
        server(1, state="TESTING"),
        server(2, state="CUTTING_OVER"),
        server(3, state="CUTOVER"),
        server(4, state="READY_FOR_CUTOVER"),
        server(5, state="READY_FOR_CUTOVER", isArchived=True),
    ]
    stubber.add_response("describe_source_servers", {"items": servers})
    for n, state in ((1, "READY_FOR_TEST"), (2, "READY_FOR_CUTOVER")):
        stubber.add_response(
            "change_server_life_cycle_state",
            server(n, state=state),
            {"sourceServerID": sid(n), "lifeCycle": {"state": state}},
        )
    assert op.execute(context) == {
        "reverted": {sid(1): "TESTING -> READY_FOR_TEST", sid(2): "CUTTING_OVER -> READY_FOR_CUTOVER"},
        "finalized": [sid(3), sid(5)],
        "unchanged": {sid(4): "READY_FOR_CUTOVER"},
        "terminable": [sid(1), sid(2), sid(4)],
    }


@pytest.mark.parametrize("rendered", ["[]", "", None])
def test_rollback_terminate_with_nothing_terminable_calls_nothing(stub, context, rendered):
    op = MgnRollbackTerminateOperator(task_id="terminate", source_server_ids=rendered, **AWS)
    stubber = stub(op.hook)  # any call would fail: no response is queued
    assert op.execute(context) is None
    stubber.assert_no_pending_responses()


def test_rollback_terminate_parses_the_rendered_list_and_terminates(stub, context):
    rendered = str([sid(1), sid(2)])  # what the template renders from the revert task's XCom
    op = MgnRollbackTerminateOperator(task_id="terminate", source_server_ids=rendered, **AWS)
    stubber = stub(op.hook)
    launched = {"ec2InstanceID": "i-0123456789abcdef0"}
    stubber.add_response(
        "describe_source_servers",
        {"items": [server(1, state="READY_FOR_CUTOVER", launchedInstance=launched), server(2)]},
        {"filters": {"sourceServerIDs": [sid(1), sid(2)]}, "maxResults": 1000},
    )
    stubber.add_response("describe_jobs", {"items": []})
    stubber.add_response(
        "terminate_target_instances",
        {"job": job(jid("t"), {}, status="PENDING", type="TERMINATE")},
        {"sourceServerIDs": [sid(1)], "tags": ANY},
    )
    assert op.execute(context) == jid("t")
    assert op.source_server_ids == [sid(1), sid(2)]


@pytest.fixture
def zone():
    with mock_aws():
        client = boto3.client("route53", region_name="us-east-1")
        zone_id = client.create_hosted_zone(Name="example.com.", CallerReference="t")["HostedZone"]["Id"]
        put(client, zone_id, "10.0.0.5")
        yield client, zone_id


def _value(client: Any, zone_id: str) -> str:
    records = client.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    (record,) = [r for r in records if r["Name"] == "app.example.com." and r["Type"] == "A"]
    return record["ResourceRecords"][0]["Value"]


def test_revert_if_switched_leaves_a_never_switched_record_alone(zone, context):
    client, zone_id = zone
    revert = Route53RevertIfSwitchedOperator(
        task_id="restore_dns", hosted_zone_id=zone_id, record_name="app.example.com", waiter_delay=0, **AWS
    )
    assert revert.execute(context) is None
    assert _value(client, zone_id) == "10.0.0.5"


def test_revert_if_switched_restores_from_the_marker_without_an_xcom(zone, context):
    client, zone_id = zone
    Route53SwitchRecordOperator(
        task_id="switch_dns",
        hosted_zone_id=zone_id,
        record_name="app.example.com",
        value="10.1.1.1",
        ttl=60,
        waiter_delay=0,
        **AWS,
    ).execute(context)
    assert _value(client, zone_id) == "10.1.1.1"
    revert = Route53RevertIfSwitchedOperator(
        task_id="restore_dns", hosted_zone_id=zone_id, record_name="app.example.com", waiter_delay=0, **AWS
    )
    assert revert.execute(context) is not None
    assert _value(client, zone_id) == "10.0.0.5"
