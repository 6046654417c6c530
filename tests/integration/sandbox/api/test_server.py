"""The endpoint: control routes, SigV4 routing, and moto serving the other services with shared state."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

import pytest
import requests
from botocore.exceptions import ClientError

from sandbox.api.signature import credential_scope
from sandbox.http import SandboxRequest
from sandbox.server import PROJECT_SERVICES
from sandbox.testing import SandboxHandle, running_sandbox
from tests.integration.sandbox.helpers import wait_job, wait_replicating


def test_health_and_fault_endpoints(sandbox: SandboxHandle) -> None:
    health = requests.get(f"{sandbox.endpoint_url}/_sandbox/health", timeout=5)
    assert health.status_code == 200 and "mgn" in health.json()["services"]
    assert sandbox.faults()["throttle_rate"] == 0
    posted = requests.post(f"{sandbox.endpoint_url}/_sandbox/faults", json={"error_rate": 0.25}, timeout=5)
    assert posted.json()["error_rate"] == 0.25
    bad = requests.post(f"{sandbox.endpoint_url}/_sandbox/faults", json={"error_rate": 7}, timeout=5)
    assert bad.status_code == 400
    assert requests.delete(f"{sandbox.endpoint_url}/_sandbox/faults", timeout=5).json()["error_rate"] == 0
    assert requests.get(f"{sandbox.endpoint_url}/_sandbox/nope", timeout=5).status_code == 404


def test_credential_scope_parsing() -> None:
    auth = "AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/mgn/aws4_request, SignedHeaders=host, Signature=x"
    assert credential_scope({"HTTP_AUTHORIZATION": auth}) == ("mgn", "eu-west-1")
    assert credential_scope(
        {"QUERY_STRING": "X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fsts%2Faws4_request"}
    ) == (
        "sts",
        "us-east-1",
    )
    assert credential_scope({}) == (None, None)


def test_project_services_are_mgn_and_dms() -> None:
    assert set(PROJECT_SERVICES) == {"dms", "mgn"}


def test_moto_serves_the_other_services(sandbox: SandboxHandle) -> None:
    assert sandbox.client("sts").get_caller_identity()["Account"] == "123456789012"
    secrets = sandbox.client("secretsmanager")
    secrets.create_secret(Name="db/source", SecretString=json.dumps({"username": "u", "password": "p"}))
    assert json.loads(secrets.get_secret_value(SecretId="db/source")["SecretString"])["username"] == "u"
    route53 = sandbox.client("route53")
    zone = route53.create_hosted_zone(Name="corp.example.com", CallerReference="walk")["HostedZone"]["Id"]
    route53.change_resource_record_sets(
        HostedZoneId=zone,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": "shop.corp.example.com",
                        "Type": "A",
                        "TTL": 60,
                        "ResourceRecords": [{"Value": "127.0.2.1"}],
                    },
                }
            ]
        },
    )
    records = route53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    assert any(r["Name"] == "shop.corp.example.com." for r in records)
    sns = sandbox.client("sns")
    assert sns.create_topic(Name="alerts")["TopicArn"].endswith(":alerts")
    ssm = sandbox.client("ssm")
    ssm.put_parameter(Name="/wave/1", Value="go", Type="String")
    assert ssm.get_parameter(Name="/wave/1")["Parameter"]["Value"] == "go"


def test_services_share_moto_state_with_boto3(sandbox: SandboxHandle) -> None:
    """What DMS does: publish through world.moto_backend, read back through the endpoint."""
    world = sandbox.server.world
    task = f"t-{random.randrange(10**9)}"  # moto's state is shared by every test of this process
    world.moto_backend("cloudwatch").put_metric_data(
        namespace="AWS/DMS",
        metric_data=[
            {
                "MetricName": "CDCLatencySource",
                "Value": 3.0,
                "Unit": "Seconds",
                "Timestamp": datetime.now(UTC).replace(tzinfo=None),  # naive UTC, as moto stores it
                "Dimensions": [{"Name": "ReplicationTaskIdentifier", "Value": task}],
            }
        ],
    )
    metrics = sandbox.client("cloudwatch").list_metrics(
        Namespace="AWS/DMS", Dimensions=[{"Name": "ReplicationTaskIdentifier", "Value": task}]
    )["Metrics"]
    assert [m["MetricName"] for m in metrics] == ["CDCLatencySource"]


def test_mgn_handles_sandbox_requests_without_a_server(sandbox: SandboxHandle) -> None:
    service = sandbox.server.services["mgn"]
    response = service.handle(SandboxRequest.build("POST", "/DescribeSourceServers", {"maxResults": 1}))
    assert response.status == 200 and len(response.parsed()["items"]) == 1
    response = service.handle(SandboxRequest.build("POST", "/ListConnectors", {}))
    assert response.status == 501 and response.headers["x-amzn-ErrorType"] == "NotImplemented"
    response = service.handle(SandboxRequest.build("POST", "/DescribeSourceServers", b"{not json"))
    assert response.status == 400 and response.parsed()["reason"] == "cannotParse"


def test_unimplemented_operation_says_so(sandbox: SandboxHandle) -> None:
    with pytest.raises(ClientError) as excinfo:
        sandbox.client("mgn", max_attempts=1).list_connectors()
    assert excinfo.value.response["Error"]["Code"] == "NotImplemented"


def test_sandboxes_reusing_addresses_in_one_process(tmp_path) -> None:
    """moto's state outlives an in-process sandbox: the next one on the same prefix must still launch."""
    second = random.randint(10, 250)
    config = {
        "network": {"source_prefix": f"127.{second}.1", "instance_prefix": f"127.{second}.2"},
        "source_servers": [{"hostname": "solo-1"}],
    }
    for run in range(2):
        with running_sandbox(config, tmp_path / f"run-{run}") as sandbox:
            mgn = sandbox.client("mgn")
            server_id = wait_replicating(mgn, count=1)[0]["sourceServerID"]
            job = wait_job(mgn, mgn.start_test(sourceServerIDs=[server_id])["job"]["jobID"])
            assert job["participatingServers"][0]["launchStatus"] == "LAUNCHED"
            assert (
                requests.get(f"{sandbox.servers()['instances'][0]['url']}/health", timeout=5).status_code
                == 200
            )
