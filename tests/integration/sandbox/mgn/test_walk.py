"""The wave walk of the issue, with plain boto3 against the sandbox: replicate, test, cut over, archive."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError

from sandbox.testing import SandboxHandle
from tests.integration.sandbox.helpers import private_ip, sha256_of, source_ip, wait_job, wait_replicating

APP_PORT = 8080


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    error = excinfo.value.response
    return error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]


def _assert_instances_serve_source_bytes(mgn: Any, ec2: Any, ids: list[str]) -> set[str]:
    """Each launched instance answers /health at its EC2 private IP and serves its source's bytes."""
    servers = {
        s["sourceServerID"]: s for s in mgn.describe_source_servers(filters={"sourceServerIDs": ids})["items"]
    }
    ips = set()
    for server_id in ids:
        server = servers[server_id]
        instance_id = server["launchedInstance"]["ec2InstanceID"]
        assert server["launchedInstance"]["firstBoot"] == "SUCCEEDED"
        ip = private_ip(ec2, instance_id)
        assert ip != source_ip(server)
        health = requests.get(f"http://{ip}:{APP_PORT}/health", timeout=5)
        assert health.status_code == 200
        assert health.json()["ec2InstanceID"] == instance_id
        for path in ("data/blob.bin", "index.html"):
            assert sha256_of(f"http://{ip}:{APP_PORT}/files/{path}") == sha256_of(
                f"http://{source_ip(server)}:{APP_PORT}/files/{path}"
            )
        ips.add(ip)
    return ips


def test_three_server_wave_walk(sandbox: SandboxHandle, mgn: Any, ec2: Any) -> None:
    walk_wave(mgn, ec2)


def walk_wave(mgn: Any, ec2: Any, poll: float = 0.05) -> None:
    """The whole wave, asserting each step; reused by the throttling test with a slower poll."""
    servers = wait_replicating(mgn, interval=poll)
    ids = [s["sourceServerID"] for s in servers]
    for server in servers:
        disks = server["dataReplicationInfo"]["replicatedDisks"]
        assert all(d["replicatedStorageBytes"] == d["totalStorageBytes"] > 0 for d in disks)
        assert server["lifeCycle"]["state"] == "READY_FOR_TEST"
        assert requests.get(f"http://{source_ip(server)}:{APP_PORT}/health", timeout=5).status_code == 200

    wave_id = mgn.create_wave(name="wave-1")["waveID"]
    app_id = mgn.create_application(name="shop")["applicationID"]
    mgn.associate_applications(waveID=wave_id, applicationIDs=[app_id])
    mgn.associate_source_servers(applicationID=app_id, sourceServerIDs=ids)
    in_wave = mgn.describe_source_servers(filters={"applicationIDs": [app_id]})["items"]
    assert sorted(s["sourceServerID"] for s in in_wave) == sorted(ids)
    assert mgn.list_waves()["items"][0]["waveAggregatedStatus"]["totalApplications"] == 1

    # Before any launch nothing can be archived or finalized.
    with pytest.raises(ClientError) as excinfo:
        mgn.mark_as_archived(sourceServerID=ids[0])
    assert _error(excinfo) == ("ConflictException", 409)
    with pytest.raises(ClientError) as excinfo:
        mgn.finalize_cutover(sourceServerID=ids[0])
    assert _error(excinfo) == ("ConflictException", 409)

    # Test launch.
    job = mgn.start_test(sourceServerIDs=ids, tags={"run": "walk"})["job"]
    assert (job["type"], job["initiatedBy"], job["status"]) == ("LAUNCH", "START_TEST", "PENDING")
    testing = mgn.describe_source_servers(filters={"lifeCycleStates": ["TESTING"]})["items"]
    assert sorted(s["sourceServerID"] for s in testing) == sorted(ids)
    assert all(s["lifeCycle"]["lastTest"]["initiated"]["jobID"] == job["jobID"] for s in testing)
    with pytest.raises(ClientError) as excinfo:  # MGN refuses termination while TESTING
        mgn.terminate_target_instances(sourceServerIDs=ids)
    assert _error(excinfo) == ("ConflictException", 409)

    job = wait_job(mgn, job["jobID"], interval=poll)
    assert {p["launchStatus"] for p in job["participatingServers"]} == {"LAUNCHED"}
    events = [item["event"] for item in mgn.describe_job_log_items(jobID=job["jobID"])["items"]]
    assert events[0] == "JOB_START" and events[-1] == "JOB_END"
    assert events.count("LAUNCH_START") == 3 and "LAUNCH_FAILED" not in events
    # The caller can find the job it started (idempotent operators rely on it).
    found = [
        j
        for j in mgn.describe_jobs(filters={})["items"]
        if j["initiatedBy"] == "START_TEST"
        and {p["sourceServerID"] for p in j["participatingServers"]} == set(ids)
    ]
    assert [j["jobID"] for j in found] == [job["jobID"]]
    test_ips = _assert_instances_serve_source_bytes(mgn, ec2, ids)
    test_instances = [p["launchedEc2InstanceID"] for p in job["participatingServers"]]

    # Ready for cutover, then the test instances go.
    for server_id in ids:
        server = mgn.change_server_life_cycle_state(
            sourceServerID=server_id, lifeCycle={"state": "READY_FOR_CUTOVER"}
        )
        assert server["lifeCycle"]["state"] == "READY_FOR_CUTOVER"
        assert "finalized" in server["lifeCycle"]["lastTest"]
    terminate = mgn.terminate_target_instances(sourceServerIDs=ids)["job"]
    assert (terminate["type"], terminate["initiatedBy"]) == ("TERMINATE", "TERMINATE")
    terminate = wait_job(mgn, terminate["jobID"], interval=poll)
    assert {p["launchStatus"] for p in terminate["participatingServers"]} == {"TERMINATED"}
    states = ec2.describe_instances(InstanceIds=test_instances)["Reservations"]
    assert {i["State"]["Name"] for r in states for i in r["Instances"]} == {"terminated"}
    for ip in test_ips:
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://{ip}:{APP_PORT}/health", timeout=2)

    # Cutover.
    cutover = mgn.start_cutover(sourceServerIDs=ids)["job"]
    assert cutover["initiatedBy"] == "START_CUTOVER"
    with pytest.raises(ClientError) as excinfo:  # and refuses it while CUTTING_OVER
        mgn.terminate_target_instances(sourceServerIDs=ids[:1])
    assert _error(excinfo) == ("ConflictException", 409)
    cutover = wait_job(mgn, cutover["jobID"], interval=poll)
    assert {p["launchStatus"] for p in cutover["participatingServers"]} == {"LAUNCHED"}
    _assert_instances_serve_source_bytes(mgn, ec2, ids)

    for server_id in ids:
        server = mgn.finalize_cutover(sourceServerID=server_id)
        assert server["lifeCycle"]["state"] == "CUTOVER"
        assert server["dataReplicationInfo"]["dataReplicationState"] == "DISCONNECTED"
        assert server["lifeCycle"]["lastCutover"]["initiated"]["jobID"] == cutover["jobID"]
        assert "finalized" in server["lifeCycle"]["lastCutover"]
    with pytest.raises(ClientError) as excinfo:  # after finalize, MGN can no longer terminate
        mgn.terminate_target_instances(sourceServerIDs=ids)
    assert _error(excinfo) == ("ConflictException", 409)

    for server_id in ids:
        assert mgn.mark_as_archived(sourceServerID=server_id)["isArchived"] is True
    archived = mgn.describe_source_servers(filters={"isArchived": True})["items"]
    assert sorted(s["sourceServerID"] for s in archived) == sorted(ids)
    assert mgn.list_waves()["items"][0]["waveAggregatedStatus"]["progressStatus"] == "COMPLETED"
