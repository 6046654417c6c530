"""Fault injection: throttling and 5xx that botocore retries, stalled replication, slow jobs."""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError, ReadTimeoutError

from sandbox.testing import SandboxHandle, running_sandbox
from tests.integration.sandbox.helpers import wait_for, wait_replicating
from tests.integration.sandbox.mgn.test_walk import walk_wave


def test_walk_survives_30_percent_throttling(sandbox: SandboxHandle) -> None:
    mgn = sandbox.client("mgn", max_attempts=10)  # standard retries, as the operators use
    sandbox.faults(throttle_rate=0.3, seed=7)
    walk_wave(mgn, sandbox.client("ec2"), poll=0.3)
    injected = sandbox.faults()["injected"]["throttle"]
    assert injected >= 5, f"only {injected} calls were throttled: the test proved nothing"


def test_throttling_and_errors_are_aws_shaped(sandbox: SandboxHandle) -> None:
    mgn = sandbox.client("mgn", max_attempts=1)  # no retries: see the raw errors
    sandbox.faults(throttle_rate=1.0)
    with pytest.raises(ClientError) as excinfo:
        mgn.describe_source_servers()
    assert excinfo.value.response["Error"]["Code"] == "ThrottlingException"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    sandbox.faults(reset=True, error_rate=1.0)
    with pytest.raises(ClientError) as excinfo:
        mgn.describe_source_servers()
    assert excinfo.value.response["Error"]["Code"] == "InternalServerException"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    # Faults can be limited to operations and leave moto's services alone by default.
    sandbox.faults(reset=True, error_rate=1.0, operations=["StartTest"])
    assert mgn.describe_source_servers()["items"]
    sandbox.faults(reset=True, throttle_rate=1.0)
    assert sandbox.client("sts", max_attempts=1).get_caller_identity()["Account"] == "123456789012"
    sandbox.faults(reset=True)
    assert sandbox.faults()["throttle_rate"] == 0


def test_stalled_replication_until_retry(sandbox: SandboxHandle, mgn: Any) -> None:
    servers = wait_replicating(mgn)
    target = servers[0]
    hostname = target["sourceProperties"]["identificationHints"]["hostname"]
    sandbox.faults(stall_replication=[hostname])

    def stalled() -> dict[str, Any] | None:
        server = mgn.describe_source_servers(filters={"sourceServerIDs": [target["sourceServerID"]]})[
            "items"
        ][0]
        return server if server["dataReplicationInfo"]["dataReplicationState"] == "STALLED" else None

    server = wait_for(stalled, what="STALLED")
    assert server["dataReplicationInfo"]["dataReplicationError"]["error"] == "UNSTABLE_NETWORK"
    lag_before = server["dataReplicationInfo"]["lagDuration"]
    time.sleep(0.3)
    server = stalled()
    assert (
        server is not None and server["dataReplicationInfo"]["lagDuration"] != lag_before
    )  # lag keeps growing
    # The others keep replicating.
    others = mgn.describe_source_servers(
        filters={"sourceServerIDs": [s["sourceServerID"] for s in servers[1:]]}
    )
    assert {s["dataReplicationInfo"]["dataReplicationState"] for s in others["items"]} <= {
        "CONTINUOUS",
        "BACKLOG",
    }

    sandbox.faults(reset=True)
    assert stalled() is not None  # a stall waits for RetryDataReplication, as on AWS
    server = mgn.retry_data_replication(sourceServerID=target["sourceServerID"])
    assert "dataReplicationError" not in server["dataReplicationInfo"]
    wait_replicating(mgn)
    with pytest.raises(ClientError) as excinfo:
        mgn.retry_data_replication(sourceServerID=target["sourceServerID"])
    assert excinfo.value.response["Error"]["Code"] == "ValidationException"


def test_slow_job_and_failed_launch(tmp_path) -> None:
    config = {"faults": {"job_delay_seconds": 0.4, "fail_launch": ["web-2"]}}
    with running_sandbox(config, tmp_path / "state") as sandbox:
        mgn = sandbox.client("mgn")
        servers = wait_replicating(mgn)
        ids = {s["sourceProperties"]["identificationHints"]["hostname"]: s["sourceServerID"] for s in servers}
        started = time.monotonic()
        job = mgn.start_test(sourceServerIDs=list(ids.values()))["job"]
        seen = set()

        def completed() -> dict[str, Any] | None:
            current = mgn.describe_jobs(filters={"jobIDs": [job["jobID"]]})["items"][0]
            seen.add(current["status"])
            return current if current["status"] == "COMPLETED" else None

        job = wait_for(completed, what="job COMPLETED")
        assert time.monotonic() - started >= 4 * 0.4  # four steps, each slowed down
        assert {"PENDING", "STARTED", "COMPLETED"} <= seen
        statuses = {p["sourceServerID"]: p["launchStatus"] for p in job["participatingServers"]}
        assert statuses[ids["web-2"]] == "FAILED"
        assert statuses[ids["web-1"]] == statuses[ids["db-1"]] == "LAUNCHED"
        failed = mgn.describe_source_servers(filters={"sourceServerIDs": [ids["web-2"]]})["items"][0]
        assert "launchedInstance" not in failed
        assert sandbox.faults()["injected"]["failed_launch"] == 1
        addresses = sandbox.servers()["instances"]
        assert len([i for i in addresses if i["running"]]) == 2
        for instance in addresses:
            assert requests.get(f"{instance['url']}/health", timeout=5).status_code == 200


MOTO_CALLS = {
    "ec2": ("describe_instances", "RequestLimitExceeded"),
    "sts": ("get_caller_identity", "Throttling"),
    "route53": ("list_hosted_zones", "Throttling"),
    "secretsmanager": ("list_secrets", "ThrottlingException"),
    "ssm": ("describe_parameters", "ThrottlingException"),
    "cloudwatch": ("list_metrics", "ThrottlingException"),
    "sns": ("list_topics", "Throttling"),
}


def test_faults_on_moto_services_speak_each_protocol(sandbox: SandboxHandle) -> None:
    """Throttling of moto-served services comes back in the client's protocol, so botocore retries it."""
    sandbox.faults(throttle_rate=1.0, services=list(MOTO_CALLS))
    for service, (method, code) in MOTO_CALLS.items():
        with pytest.raises(ClientError) as excinfo:
            getattr(sandbox.client(service, max_attempts=1), method)()
        assert excinfo.value.response["Error"]["Code"] == code, service
    sandbox.faults(reset=True, throttle_rate=0.3, error_rate=0.1, services=list(MOTO_CALLS), seed=5)
    for service, (method, _) in MOTO_CALLS.items():  # standard retries get every call through
        getattr(sandbox.client(service), method)()
    injected = sandbox.faults()["injected"]
    assert injected["throttle"] + injected["error"] > 0


def test_held_answer_comes_after_the_call_took_effect(sandbox: SandboxHandle) -> None:
    """hold_answers: the job exists while its caller still waits, so a caller that gives up (or dies) has
    started it anyway."""

    mgn = sandbox.client("mgn")
    ids = [s["sourceServerID"] for s in wait_replicating(mgn)][:1]
    sandbox.faults(hold_answers={"StartTest": 3})
    # one attempt: botocore would resend a timed-out StartTest (it takes no client token)
    impatient = boto3.client(
        "mgn",
        endpoint_url=sandbox.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}, read_timeout=1),
    )
    started = time.monotonic()
    with pytest.raises(ReadTimeoutError):
        impatient.start_test(sourceServerIDs=ids)
    assert time.monotonic() - started < 2.5
    jobs = mgn.describe_jobs(filters={})["items"]
    assert [(j["type"], j["initiatedBy"]) for j in jobs] == [("LAUNCH", "START_TEST")]
    assert [p["sourceServerID"] for p in jobs[0]["participatingServers"]] == ids
    assert mgn.describe_source_servers(filters={})["items"]  # other operations are answered at once
    sandbox.faults(reset=True)
