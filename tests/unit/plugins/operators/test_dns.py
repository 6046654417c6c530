"""Route 53 switch/revert against moto's Route 53 (the provider's hooks talk to it as to AWS)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from airflow.providers.common.compat.sdk import AirflowException
from moto import mock_aws
from operators.dns import Route53RevertRecordOperator, Route53SwitchRecordOperator, marker_name

AWS: dict[str, Any] = {"aws_conn_id": None, "region_name": "us-east-1", "waiter_delay": 0}


@pytest.fixture
def zone() -> Iterator[tuple[Any, str]]:
    with mock_aws():
        client = boto3.client("route53", region_name="us-east-1")
        zone_id = client.create_hosted_zone(Name="example.com.", CallerReference="t")["HostedZone"]["Id"]
        yield client, zone_id


def put(client: Any, zone_id: str, value: str, ttl: int = 300) -> None:
    client.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": "app.example.com.",
                        "Type": "A",
                        "TTL": ttl,
                        "ResourceRecords": [{"Value": value}],
                    },
                }
            ]
        },
    )


def record(
    client: Any, zone_id: str, name: str = "app.example.com.", rtype: str = "A"
) -> dict[str, Any] | None:
    for r in client.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]:
        if r["Name"] == name and r["Type"] == rtype:
            return r
    return None


def test_switch_records_original_is_idempotent_and_revert_restores(zone, context):
    client, zone_id = zone
    put(client, zone_id, "10.0.0.5")
    switch = Route53SwitchRecordOperator(
        task_id="s", hosted_zone_id=zone_id, record_name="app.example.com", value="10.1.1.1", ttl=60, **AWS
    )
    first = switch.execute(context)
    assert first["original"] == {"values": ["10.0.0.5"], "ttl": 300}
    assert first["change_id"]
    assert record(client, zone_id)["ResourceRecords"] == [{"Value": "10.1.1.1"}]
    assert record(client, zone_id)["TTL"] == 60

    retry = switch.execute(context)  # a retry: no change, the original still known (from the marker)
    assert retry["change_id"] is None and retry["original"] == first["original"]

    revert = Route53RevertRecordOperator(
        task_id="r",
        hosted_zone_id=zone_id,
        record_name="app.example.com",
        original=str(first["original"]),
        **AWS,
    )
    assert revert.execute(context)
    assert record(client, zone_id)["ResourceRecords"] == [{"Value": "10.0.0.5"}]
    assert record(client, zone_id)["TTL"] == 300
    assert record(client, zone_id, marker_name("app.example.com"), "TXT") is None
    assert revert.execute(context) is None  # already restored


def test_revert_without_xcom_uses_the_marker_and_deletes_a_record_that_was_new(zone, context):
    client, zone_id = zone
    Route53SwitchRecordOperator(
        task_id="s", hosted_zone_id=zone_id, record_name="app.example.com", value="10.1.1.1", **AWS
    ).execute(context)
    Route53RevertRecordOperator(
        task_id="r", hosted_zone_id=zone_id, record_name="app.example.com", **AWS
    ).execute(context)
    assert record(client, zone_id) is None


def test_revert_refuses_without_any_original(zone, context):
    client, zone_id = zone
    put(client, zone_id, "10.1.1.1")
    with pytest.raises(AirflowException, match="No recorded original"):
        Route53RevertRecordOperator(
            task_id="r", hosted_zone_id=zone_id, record_name="app.example.com", **AWS
        ).execute(context)


def test_switch_needs_exactly_one_target():
    with pytest.raises(ValueError, match="exactly one"):
        Route53SwitchRecordOperator(task_id="s", hosted_zone_id="Z", record_name="a.example.com", **AWS)
