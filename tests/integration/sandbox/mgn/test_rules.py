"""Server-side validation and lifecycle rules, with the exceptions and HTTP codes AWS gives."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from sandbox.testing import running_sandbox
from tests.integration.sandbox.helpers import wait_job, wait_replicating


def _code(call: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as excinfo:
        call()
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_bad_values_are_rejected_server_side(mgn: Any) -> None:
    server_id = wait_replicating(mgn)[0]["sourceServerID"]
    # botocore never checks enums or maxima: the service must.
    assert _code(
        lambda: mgn.change_server_life_cycle_state(sourceServerID=server_id, lifeCycle={"state": "TESTING"})
    ) == ("ValidationException", 400)
    assert _code(
        lambda: mgn.update_launch_configuration(sourceServerID=server_id, launchDisposition="RUNNING")
    ) == (
        "ValidationException",
        400,
    )
    assert _code(
        lambda: mgn.update_replication_configuration(sourceServerID=server_id, bandwidthThrottling=20000)
    ) == ("ValidationException", 400)
    assert _code(lambda: mgn.describe_source_servers(filters={"replicationTypes": ["AGENTLESS"]})) == (
        "ValidationException",
        400,
    )
    assert _code(lambda: mgn.describe_source_servers(filters={"sourceServerIDs": ["s-" + "!" * 17]})) == (
        "ValidationException",
        400,
    )
    assert _code(lambda: mgn.describe_jobs(filters={"fromDate": "2026-13-01T00:00:00Z"})) == (
        "ValidationException",
        400,
    )
    feb30 = "2026-02-30T00:00:00Z"  # fits the model's pattern, is no date
    assert _code(lambda: mgn.describe_jobs(filters={"toDate": feb30})) == ("ValidationException", 400)
    assert _code(lambda: mgn.describe_source_servers(nextToken="garbage")) == ("ValidationException", 400)
    with pytest.raises(ClientError) as excinfo:
        mgn.change_server_life_cycle_state(sourceServerID=server_id, lifeCycle={"state": "TESTING"})
    assert excinfo.value.response["fieldList"][0]["name"] == "lifeCycle.state"


def test_not_found(mgn: Any) -> None:
    missing = "s-00000000000000000"
    for call in (
        lambda: mgn.get_launch_configuration(sourceServerID=missing),
        lambda: mgn.get_replication_configuration(sourceServerID=missing),
        lambda: mgn.finalize_cutover(sourceServerID=missing),
        lambda: mgn.mark_as_archived(sourceServerID=missing),
        lambda: mgn.update_wave(waveID="wave-00000000000000000", name="x"),
        lambda: mgn.associate_source_servers(
            applicationID="app-00000000000000000", sourceServerIDs=[missing]
        ),
        lambda: mgn.list_tags_for_resource(
            resourceArn=f"arn:aws:mgn:us-east-1:123456789012:source-server/{missing}"
        ),
    ):
        assert _code(call) == ("ResourceNotFoundException", 404)
    assert _code(lambda: mgn.start_test(sourceServerIDs=[missing])) == ("ValidationException", 400)


def test_lifecycle_rules(mgn: Any) -> None:
    ids = [s["sourceServerID"] for s in wait_replicating(mgn)]
    a, b, _ = ids
    assert _code(lambda: mgn.start_cutover(sourceServerIDs=[a])) == (
        "ConflictException",
        409,
    )  # not tested yet
    assert _code(lambda: mgn.mark_as_archived(sourceServerID=a)) == ("ConflictException", 409)
    assert _code(
        lambda: mgn.change_server_life_cycle_state(sourceServerID=a, lifeCycle={"state": "CUTOVER"})
    ) == (
        "ConflictException",
        409,
    )
    job = mgn.start_test(sourceServerIDs=[a])["job"]
    assert _code(lambda: mgn.start_test(sourceServerIDs=[a, b])) == (
        "ConflictException",
        409,
    )  # already in a job
    with pytest.raises(ClientError) as excinfo:
        mgn.start_test(sourceServerIDs=[a, b])
    assert [e["resourceId"] for e in excinfo.value.response["errors"]] == [a]
    wait_job(mgn, job["jobID"])
    # Revert a test: back to READY_FOR_TEST, lastTest.reverted recorded; then terminate is allowed.
    server = mgn.change_server_life_cycle_state(sourceServerID=a, lifeCycle={"state": "READY_FOR_TEST"})
    assert "reverted" in server["lifeCycle"]["lastTest"]
    wait_job(mgn, mgn.terminate_target_instances(sourceServerIDs=[a])["job"]["jobID"])
    assert "launchedInstance" not in mgn.describe_source_servers(filters={"sourceServerIDs": [a]})["items"][0]
    # Roll back a cutover in progress: READY_FOR_CUTOVER again, then terminate.
    mgn.change_server_life_cycle_state(sourceServerID=b, lifeCycle={"state": "READY_FOR_CUTOVER"})
    cutover = wait_job(mgn, mgn.start_cutover(sourceServerIDs=[b])["job"]["jobID"])
    assert _code(lambda: mgn.terminate_target_instances(sourceServerIDs=[b])) == ("ConflictException", 409)
    server = mgn.change_server_life_cycle_state(sourceServerID=b, lifeCycle={"state": "READY_FOR_CUTOVER"})
    assert server["lifeCycle"]["lastCutover"]["initiated"]["jobID"] == cutover["jobID"]
    assert "reverted" in server["lifeCycle"]["lastCutover"]
    assert _code(lambda: mgn.finalize_cutover(sourceServerID=b)) == ("ConflictException", 409)
    terminate = wait_job(mgn, mgn.terminate_target_instances(sourceServerIDs=[b])["job"]["jobID"])
    assert terminate["participatingServers"][0]["launchStatus"] == "TERMINATED"


def test_not_launchable_before_initial_sync(tmp_path) -> None:
    config = {"source_servers": [{"hostname": "late-1", "start_replication": False}]}
    with running_sandbox(config, tmp_path / "state") as sandbox:
        mgn = sandbox.client("mgn")
        server = mgn.describe_source_servers()["items"][0]
        assert server["dataReplicationInfo"]["dataReplicationState"] == "STOPPED"
        assert server["lifeCycle"]["state"] == "NOT_READY"
        server_id = server["sourceServerID"]
        assert _code(
            lambda: mgn.change_server_life_cycle_state(
                sourceServerID=server_id, lifeCycle={"state": "READY_FOR_TEST"}
            )
        ) == ("ConflictException", 409)
        assert _code(lambda: mgn.start_test(sourceServerIDs=[server_id])) == ("ConflictException", 409)
        assert mgn.start_replication(sourceServerID=server_id)["dataReplicationInfo"][
            "dataReplicationState"
        ] == ("INITIATING")
        assert _code(lambda: mgn.start_replication(sourceServerID=server_id)) == ("ConflictException", 409)
        wait_replicating(mgn, count=1)
