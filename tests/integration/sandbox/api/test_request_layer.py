"""The shared request layer: every bad request gets the protocol's modelled answer, never a 500.

Each case is one of the causes the fuzz campaign found (issue 8), checked over real HTTP.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
import requests
from botocore.exceptions import ClientError

from sandbox.testing import SandboxHandle, include_all, running_sandbox
from tests.integration.sandbox.helpers import wait_for

from .wire import dms_call, error_type, mgn_call, raw_exchange, raw_post, scope

DEEP = "[" * 1000 + "]" * 1000
INCLUDE_ALL = include_all()


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory) -> Iterator[SandboxHandle]:
    config = {"source_servers": [{"hostname": "layer-1", "disks": [{"device": "/dev/sda", "size_mb": 1}]}]}
    with running_sandbox(config, tmp_path_factory.mktemp("state")) as handle:
        yield handle


@pytest.fixture(scope="module")
def server_id(sandbox: SandboxHandle) -> str:
    return sandbox.client("mgn").describe_source_servers(filters={})["items"][0]["sourceServerID"]


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ('{"filters": ' + DEEP + "}", "deep"),
        ('{"maxResults": NaN}', "nan"),
        ("[1, 2]", "not an object"),
        (b"\xff\xfe{", "not utf-8"),
    ],
)
def test_malformed_bodies_are_the_protocols_parse_error(sandbox: SandboxHandle, body, why) -> None:
    mgn = mgn_call(sandbox.endpoint_url, "/DescribeSourceServers", body)
    assert (mgn.status_code, error_type(mgn), mgn.json()["reason"]) == (
        400,
        "ValidationException",
        "cannotParse",
    )
    dms = dms_call(sandbox.endpoint_url, "DescribeEndpoints", body)
    assert (dms.status_code, error_type(dms)) == (400, "SerializationException")


@pytest.fixture(scope="module")
def task_resources(sandbox: SandboxHandle, tmp_path_factory) -> dict[str, str]:
    dms = sandbox.client("dms")
    folder = tmp_path_factory.mktemp("dbs")
    arns = {}
    for ident, kind in (("layer-src", "source"), ("layer-tgt", "target")):
        arns[kind] = dms.create_endpoint(
            EndpointIdentifier=ident, EndpointType=kind, EngineName="sqlite", DatabaseName=str(folder / ident)
        )["Endpoint"]["EndpointArn"]
    instance = dms.create_replication_instance(
        ReplicationInstanceIdentifier="layer-ri", ReplicationInstanceClass="dms.t3.micro"
    )["ReplicationInstance"]["ReplicationInstanceArn"]
    dms.get_waiter("replication_instance_available").wait(
        Filters=[{"Name": "replication-instance-arn", "Values": [instance]}],
        WaiterConfig={"Delay": 0.2, "MaxAttempts": 100},
    )
    return {
        "SourceEndpointArn": arns["source"],
        "TargetEndpointArn": arns["target"],
        "ReplicationInstanceArn": instance,
    }


@pytest.mark.parametrize("member", ["TableMappings", "ReplicationTaskSettings"])
def test_deep_json_inside_dms_documents_is_invalid_parameter(
    sandbox: SandboxHandle, task_resources: dict[str, str], member: str
) -> None:
    documents = {"TableMappings": json.dumps(INCLUDE_ALL), member: '{"a": ' + DEEP + "}"}
    with pytest.raises(ClientError) as excinfo:
        sandbox.client("dms", max_attempts=1).create_replication_task(
            ReplicationTaskIdentifier="deep", MigrationType="full-load", **task_resources, **documents
        )
    error = excinfo.value.response["Error"]
    assert error["Code"] == "InvalidParameterValueException" and "deeper than" in error["Message"]


@pytest.mark.parametrize(
    "members",
    [{"Marker": "abc"}, {"Marker": "-5"}, {"MaxRecords": -1}, {"MaxRecords": 5}, {"MaxRecords": 101}],
)
def test_dms_paging_out_of_range(sandbox: SandboxHandle, members: dict) -> None:
    with pytest.raises(ClientError) as excinfo:
        sandbox.client("dms", max_attempts=1).describe_endpoints(**members)
    error = excinfo.value.response["Error"]
    assert error["Code"] == "InvalidParameterValueException" and next(iter(members)) in error["Message"]


def test_unknown_members_are_refused(sandbox: SandboxHandle, server_id: str) -> None:
    dms = dms_call(sandbox.endpoint_url, "DescribeEndpoints", {"Bogus": 1})
    assert (dms.status_code, error_type(dms)) == (400, "InvalidParameterValueException")
    assert "unknown member" in dms.json()["message"]
    mgn = mgn_call(sandbox.endpoint_url, "/GetLaunchConfiguration", {"sourceServerID": server_id, "bogus": 1})
    assert (mgn.status_code, error_type(mgn)) == (400, "ValidationException")
    assert mgn.json()["fieldList"][0]["name"] == "bogus"


@pytest.mark.parametrize("offset", ["Infinity", "1e999", "-1", "1.5", '"3"', "true"])
def test_mgn_next_token_that_is_no_offset(sandbox: SandboxHandle, offset: str) -> None:
    token = base64.b64encode(f'{{"offset": {offset}}}'.encode()).decode()
    with pytest.raises(ClientError) as excinfo:
        sandbox.client("mgn", max_attempts=1).describe_source_servers(filters={}, nextToken=token)
    assert excinfo.value.response["Error"]["Code"] == "ValidationException"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "MissingAuthenticationTokenException"),
        (
            {"Authorization": "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=0"},
            "IncompleteSignatureException",
        ),
        (
            {"Authorization": "AWS4-HMAC-SHA256 Credential=AKID/mgn, Signature=0"},
            "IncompleteSignatureException",
        ),
        ({"Authorization": "Bearer token"}, "IncompleteSignatureException"),
    ],
)
@pytest.mark.parametrize("call", ["mgn", "dms"])
def test_unsigned_or_badly_scoped_calls_get_403(sandbox: SandboxHandle, headers, code, call) -> None:
    target = {"X-Amz-Target": "AmazonDMSv20160101.DescribeEndpoints"} if call == "dms" else {}
    path = "/" if call == "dms" else "/DescribeSourceServers"
    response = requests.post(
        f"{sandbox.endpoint_url}{path}",
        data="{}",
        headers={"Content-Type": "application/x-amz-json-1.1", **target, **headers},
        timeout=10,
    )
    assert response.status_code == 403 and error_type(response) == code
    assert response.json()["message"]  # JSON, never moto's S3 XML or HTML page


def test_malformed_chunked_body_is_400(sandbox: SandboxHandle) -> None:
    headers = {**scope("mgn"), "Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    status, reply_headers, body = raw_exchange(
        sandbox.port, raw_post("/DescribeSourceServers", headers, b"zz-not-hex\r\n{}\r\n0\r\n\r\n")
    )
    assert status == 400 and reply_headers["x-amzn-errortype"] == "ValidationException"
    assert json.loads(body)["reason"] == "cannotParse"


@pytest.mark.parametrize("call", ["mgn", "dms"])
def test_oversized_bodies_are_413(sandbox: SandboxHandle, call: str) -> None:
    if call == "mgn":
        headers = {**scope("mgn"), "Content-Type": "application/json", "Content-Length": str(11 << 20)}
        path = "/DescribeSourceServers"
    else:
        headers = {
            **scope("dms"),
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AmazonDMSv20160101.DescribeEndpoints",
            "Content-Length": str(11 << 20),
        }
        path = "/"
    status, reply_headers, _ = raw_exchange(sandbox.port, raw_post(path, headers, b"{}"))
    assert status == 413 and reply_headers["x-amzn-errortype"] == "RequestEntityTooLargeException"
    # a real body just above the limit, chunked (no Content-Length to refuse it by)
    big = requests.post(
        f"{sandbox.endpoint_url}{path}",
        data=iter([b'{"x": "', b"a" * (10 << 20), b'"}']),
        headers={k: v for k, v in headers.items() if k != "Content-Length"},
        timeout=30,
    )
    assert big.status_code == 413


def test_only_modelled_members_reach_the_state_file(sandbox: SandboxHandle, server_id: str) -> None:
    for body in (
        {"sourceServerID": server_id, "bogus": 1},
        {"sourceServerID": server_id, "name": float("nan")},
    ):
        response = mgn_call(sandbox.endpoint_url, "/UpdateLaunchConfiguration", json.dumps(body))
        assert response.status_code == 400 and error_type(response) == "ValidationException"
    mgn = sandbox.client("mgn")
    updated = mgn.update_launch_configuration(sourceServerID=server_id, name="renamed")
    assert updated["name"] == "renamed"
    state = sandbox.state_dir / "mgn.json"

    def stored() -> dict | None:
        document = json.loads(state.read_text(), parse_constant=lambda name: pytest.fail(name))
        server = next(s for s in document["servers"] if s["id"] == server_id)
        return server if server["launch_configuration"].get("name") == "renamed" else None

    server = wait_for(stored, what="the update persisted")
    assert "bogus" not in server["launch_configuration"]
