"""Post-launch checks and the DNS switch on real launched instances of the sandbox (moto Route 53/EC2)."""

from __future__ import annotations

from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowException
from operators.dns import Route53RevertRecordOperator, Route53SwitchRecordOperator
from operators.mgn import MgnStartTestOperator
from operators.post_launch import MgnPostLaunchValidationOperator
from sensors.mgn import MgnJobCompleteSensor
from shared.xcom import VALIDATION_RESULTS_KEY as RESULTS_XCOM_KEY

from tests.integration.sandbox.helpers import private_ip

APP = "http://{ip}:8080"


@pytest.fixture
def launched(aws_conn: str, wave: list[str], context: dict[str, Any]) -> dict[str, str]:
    job_id = MgnStartTestOperator(task_id="t", aws_conn_id=aws_conn, source_server_ids=wave).execute(context)
    return MgnJobCompleteSensor(
        task_id="w", job_id=job_id, aws_conn_id=aws_conn, waiter_delay=1, waiter_max_attempts=60
    ).execute(context)


def test_validation_table_passes_on_healthy_instances(aws_conn, wave, launched, context, sandbox):
    op = MgnPostLaunchValidationOperator(
        task_id="v",
        aws_conn_id=aws_conn,
        source_server_ids=wave,
        http_checks=[{"url": APP + "/health", "expected_status": 200}],
        tcp_checks=[{"port": 8080}],
        parity_checks=[{"url": APP + "/files/index.html"}, {"url": APP + "/files/data/blob.bin"}],
        check_attempts=3,
        check_delay=0.2,
    )
    rows = op.execute(context)
    assert len(rows) == len(wave) * 5 and all(r["ok"] for r in rows), rows
    assert {r["check"] for r in rows} == {"instance", "http", "tcp", "parity"}
    ec2 = sandbox.client("ec2")
    expected = {f"http://{private_ip(ec2, launched[sid])}:8080/health" for sid in wave}
    assert {r["target"] for r in rows if r["check"] == "http"} == expected  # EC2's IP, never the source's
    context["ti"].xcom_push.assert_any_call(key=RESULTS_XCOM_KEY, value=rows)


def test_validation_fails_after_writing_the_table_unless_report_only(aws_conn, wave, launched, context):
    kwargs = {
        "aws_conn_id": aws_conn,
        "source_server_ids": wave,
        "http_checks": [{"url": APP + "/health", "expected_status": 204}],
        "check_attempts": 2,
        "check_delay": 0.1,
    }
    with pytest.raises(AirflowException, match=rf"{len(wave)} of {2 * len(wave)} post-launch checks failed"):
        MgnPostLaunchValidationOperator(task_id="v", **kwargs).execute(context)
    pushed = {c.kwargs["key"]: c.kwargs["value"] for c in context["ti"].xcom_push.call_args_list}
    assert not any(r["ok"] for r in pushed[RESULTS_XCOM_KEY] if r["check"] == "http")
    rows = MgnPostLaunchValidationOperator(task_id="v", report_only=True, **kwargs).execute(context)
    assert next(r["detail"] for r in rows if r["check"] == "http").startswith("HTTP 200 (expected 204)")


def test_dns_switch_to_the_instance_ip_and_revert(aws_conn, sandbox, wave, launched, context):
    route53 = sandbox.client("route53")
    zone_id = route53.create_hosted_zone(Name="shop.internal.", CallerReference="it")["HostedZone"]["Id"]
    route53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": "web.shop.internal.",
                        "Type": "A",
                        "TTL": 300,
                        "ResourceRecords": [{"Value": "127.9.9.9"}],
                    },
                }
            ]
        },
    )
    common = {
        "aws_conn_id": aws_conn,
        "hosted_zone_id": zone_id,
        "record_name": "web.shop.internal",
        "waiter_delay": 1,
        "waiter_max_attempts": 10,
    }
    switch = Route53SwitchRecordOperator(task_id="s", source_server_id=wave[0], ttl=30, **common)
    result = switch.execute(context)
    instance_ip = private_ip(sandbox.client("ec2"), launched[wave[0]])
    assert result["value"] == instance_ip
    assert result["original"] == {"values": ["127.9.9.9"], "ttl": 300}

    def current() -> tuple[list[str], int]:
        sets = route53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
        (rec,) = [r for r in sets if r["Name"] == "web.shop.internal." and r["Type"] == "A"]
        return [v["Value"] for v in rec["ResourceRecords"]], rec["TTL"]

    assert current() == ([instance_ip], 30)
    assert switch.execute(context)["change_id"] is None  # retry: no change
    revert = Route53RevertRecordOperator(task_id="r", original=result["original"], **common)
    assert revert.execute(context)
    assert current() == (["127.9.9.9"], 300)
    assert revert.execute(context) is None
