"""Every implemented MGN operation, called with boto3, answers exactly what the botocore model describes.

The raw JSON of each response (before botocore's parser drops unknown keys) is checked against the output
shape: no unknown members, right types, enum values, id patterns, ISO-8601 date strings, required members;
success codes and error types/codes come from the model too.
"""

from __future__ import annotations

import json
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError

from sandbox.mgn.service import MgnService
from sandbox.shapes import shape_errors
from sandbox.testing import SandboxHandle
from tests.integration.sandbox.helpers import wait_for, wait_job, wait_replicating

MODEL = botocore.session.get_session().get_service_model("mgn")


class Recorder:
    """Collects (operation, status, headers, raw body) of every MGN call a client makes."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, dict[str, str], bytes]] = []

    def __call__(self, http_response: Any, parsed: Any, model: Any, **kwargs: Any) -> None:
        self.calls.append(
            (model.name, http_response.status_code, dict(http_response.headers), http_response.content)
        )


def _check(name: str, status: int, headers: dict[str, str], body: bytes) -> list[str]:
    op = MODEL.operation_model(name)
    problems = []
    if status < 300:
        if status != op.http.get("responseCode", 200):
            problems.append(f"{name}: status {status}, model says {op.http.get('responseCode', 200)}")
        payload = json.loads(body) if body else {}
        if op.output_shape is not None:
            problems += [f"{name}: {path}: {why}" for path, why in shape_errors(op.output_shape, payload)]
        elif payload:
            problems.append(f"{name}: body {payload!r} where the model has no output")
    else:
        code = headers.get("x-amzn-ErrorType") or headers.get("X-Amzn-Errortype")
        shapes = {e.name: e for e in op.error_shapes} | {
            "ThrottlingException": None,
            "InternalServerException": None,
        }
        if code not in shapes:
            problems.append(f"{name}: error {code} is not modelled for this operation")
        elif shapes[code] is not None:
            shape = shapes[code]
            if status != shape.metadata["error"]["httpStatusCode"]:
                problems.append(f"{name}: {code} with status {status}")
            problems += [
                f"{name}: {code}{path}: {why}" for path, why in shape_errors(shape, json.loads(body), "")
            ]
    return problems


@pytest.fixture
def recorded(sandbox: SandboxHandle) -> tuple[Any, Recorder]:
    client = sandbox.client("mgn")
    recorder = Recorder()
    client.meta.events.register("after-call.mgn", recorder)
    return client, recorder


def test_every_operation_matches_the_model(sandbox: SandboxHandle, recorded: tuple[Any, Recorder]) -> None:
    mgn, recorder = recorded
    mgn.initialize_service()
    servers = wait_replicating(mgn)
    a, b, c = (s["sourceServerID"] for s in servers)
    hostname_c = servers[2]["sourceProperties"]["identificationHints"]["hostname"]

    # Reads with every filter and pagination.
    first = mgn.describe_source_servers(filters={}, maxResults=1)
    assert len(first["items"]) == 1 and "nextToken" in first
    rest = mgn.describe_source_servers(filters={}, maxResults=5, nextToken=first["nextToken"])
    assert len(rest["items"]) == 2 and "nextToken" not in rest
    filtered = mgn.describe_source_servers(
        filters={
            "sourceServerIDs": [a, b],
            "isArchived": False,
            "replicationTypes": ["AGENT_BASED"],
            "lifeCycleStates": ["READY_FOR_TEST"],
        }
    )
    assert {s["sourceServerID"] for s in filtered["items"]} == {a, b}

    # Configurations.
    assert mgn.get_launch_configuration(sourceServerID=a)["launchDisposition"] == "STARTED"
    assert mgn.update_launch_configuration(sourceServerID=a, copyTags=True)["copyTags"] is True
    replication = mgn.get_replication_configuration(sourceServerID=a)
    assert replication["replicatedDisks"][0]["isBootDisk"] is True
    assert (
        mgn.update_replication_configuration(sourceServerID=a, bandwidthThrottling=500)["bandwidthThrottling"]
        == 500
    )

    # Waves, applications, tags.
    wave = mgn.create_wave(name="w1", description="first", tags={"team": "data"})
    app = mgn.create_application(name="shop", tags={"team": "data"})
    mgn.update_wave(waveID=wave["waveID"], description="first wave")
    mgn.update_application(applicationID=app["applicationID"], description="the shop")
    mgn.associate_applications(waveID=wave["waveID"], applicationIDs=[app["applicationID"]])
    mgn.associate_source_servers(applicationID=app["applicationID"], sourceServerIDs=[a, b])
    assert {
        s["sourceServerID"]
        for s in mgn.describe_source_servers(filters={"applicationIDs": [app["applicationID"]]})["items"]
    } == {a, b}
    listed = mgn.list_applications(filters={"waveIDs": [wave["waveID"]], "isArchived": False})["items"]
    assert listed[0]["applicationAggregatedStatus"]["totalSourceServers"] == 2
    mgn.list_waves(filters={"waveIDs": [wave["waveID"]]})
    mgn.tag_resource(resourceArn=servers[0]["arn"], tags={"owner": "ops"})
    assert mgn.list_tags_for_resource(resourceArn=servers[0]["arn"])["tags"]["owner"] == "ops"
    mgn.untag_resource(resourceArn=servers[0]["arn"], tagKeys=["owner"])
    assert "owner" not in mgn.list_tags_for_resource(resourceArn=servers[0]["arn"])["tags"]
    spare_wave = mgn.create_wave(name="spare")
    spare_app = mgn.create_application(name="spare")
    mgn.archive_wave(waveID=spare_wave["waveID"])
    mgn.unarchive_wave(waveID=spare_wave["waveID"])
    mgn.archive_application(applicationID=spare_app["applicationID"])
    mgn.unarchive_application(applicationID=spare_app["applicationID"])
    mgn.associate_applications(waveID=spare_wave["waveID"], applicationIDs=[spare_app["applicationID"]])
    mgn.associate_source_servers(applicationID=spare_app["applicationID"], sourceServerIDs=[c])
    mgn.disassociate_source_servers(applicationID=spare_app["applicationID"], sourceServerIDs=[c])
    mgn.disassociate_applications(waveID=spare_wave["waveID"], applicationIDs=[spare_app["applicationID"]])
    mgn.delete_application(applicationID=spare_app["applicationID"])
    mgn.delete_wave(waveID=spare_wave["waveID"])

    # A test launch where one server fails: the job still COMPLETES, the failure is per server (as on AWS).
    sandbox.faults(fail_launch=[b])
    job = mgn.start_test(sourceServerIDs=[a, b])["job"]
    job = wait_job(mgn, job["jobID"])
    sandbox.faults(reset=True)
    statuses = {p["sourceServerID"]: p["launchStatus"] for p in job["participatingServers"]}
    assert job["status"] == "COMPLETED" and statuses == {a: "LAUNCHED", b: "FAILED"}
    log = mgn.describe_job_log_items(jobID=job["jobID"])["items"]
    assert any(i["event"] == "LAUNCH_FAILED" and i["eventData"]["sourceServerID"] == b for i in log)
    assert mgn.describe_jobs(filters={"jobIDs": [job["jobID"]], "fromDate": job["creationDateTime"]})["items"]
    b_state = mgn.describe_source_servers(filters={"sourceServerIDs": [b]})["items"][0]["lifeCycle"]["state"]
    assert b_state == "READY_FOR_TEST"  # a failed server can be launched again

    # Through cutover for a; b goes back; c exercises replication control.
    mgn.change_server_life_cycle_state(sourceServerID=a, lifeCycle={"state": "READY_FOR_CUTOVER"})
    terminate = wait_job(mgn, mgn.terminate_target_instances(sourceServerIDs=[a])["job"]["jobID"])
    cutover = wait_job(mgn, mgn.start_cutover(sourceServerIDs=[a])["job"]["jobID"])
    assert cutover["participatingServers"][0]["launchStatus"] == "LAUNCHED"
    mgn.finalize_cutover(sourceServerID=a)
    mgn.mark_as_archived(sourceServerID=a)
    mgn.delete_job(jobID=terminate["jobID"])

    mgn.pause_replication(sourceServerID=c)
    mgn.resume_replication(sourceServerID=c)
    mgn.stop_replication(sourceServerID=c)
    mgn.start_replication(sourceServerID=c)
    sandbox.faults(stall_replication=[hostname_c])
    wait_for(
        lambda: mgn.describe_source_servers(filters={"sourceServerIDs": [c]})["items"][0][
            "dataReplicationInfo"
        ].get("dataReplicationError"),
        what="STALLED",
    )
    sandbox.faults(reset=True)
    mgn.retry_data_replication(sourceServerID=c)
    mgn.disconnect_from_service(sourceServerID=c)

    # Modelled errors: validation (bad enum, rejected server-side), not found, conflict.
    for call, code in [
        (
            lambda: mgn.change_server_life_cycle_state(sourceServerID=b, lifeCycle={"state": "TESTING"}),
            "ValidationException",
        ),
        (lambda: mgn.describe_source_servers(filters={"lifeCycleStates": ["ALIVE"]}), "ValidationException"),
        (
            lambda: mgn.get_launch_configuration(sourceServerID="s-00000000000000000"),
            "ResourceNotFoundException",
        ),
        (lambda: mgn.mark_as_archived(sourceServerID=b), "ConflictException"),
        (lambda: mgn.retry_data_replication(sourceServerID=b), "ValidationException"),
        (lambda: mgn.start_test(sourceServerIDs=["s-00000000000000000"]), "ValidationException"),
    ]:
        with pytest.raises(ClientError) as excinfo:
            call()
        assert excinfo.value.response["Error"]["Code"] == code

    problems = [p for call in recorder.calls for p in _check(*call)]
    assert not problems, "\n".join(problems)
    succeeded = {name for name, status, _, _ in recorder.calls if status < 300}
    implemented = set(MgnService.implemented_operations_of())
    assert implemented - succeeded == set(), f"operations never exercised: {sorted(implemented - succeeded)}"
