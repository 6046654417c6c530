"""The sandbox's small pure pieces, without a server: durations, faults, disk images, CBOR, shapes."""

from __future__ import annotations

from pathlib import Path

import botocore.session
import pytest
import yaml
from botocore.parsers import RpcV2CBORParser
from pydantic import ValidationError

from sandbox.api.faults import _cbor_text_map, wire_protocol
from sandbox.api.signature import credential_scope
from sandbox.apps import CHURN_FILE, build_boot_image, file_extents, read_file
from sandbox.config import load_config
from sandbox.faults import FaultInjector
from sandbox.mgn.model import duration, iso, parse_iso
from sandbox.shapes import shape_errors


def test_iso_durations_and_dates() -> None:
    assert duration(0) == "PT0S"
    assert duration(0.25) == "PT0.25S"
    assert duration(3723.5) == "PT1H2M3.5S"
    assert duration(90000) == "P1DT1H"
    stamp = iso(1_700_000_000.123456)
    assert stamp == "2023-11-14T22:13:20.123456Z"
    assert parse_iso(stamp) == pytest.approx(1_700_000_000.123456)


def test_fault_settings_merge_validate_and_reset() -> None:
    faults = FaultInjector()
    assert faults.update({"throttle_rate": 1.0, "services": ["mgn"]})["throttle_rate"] == 1.0
    assert faults.request_fault("mgn") == "throttle"
    assert faults.request_fault("ec2") is None
    assert faults.update({"operations": ["StartTest"]})["throttle_rate"] == 1.0  # merged, not replaced
    assert faults.request_fault("mgn", "DescribeJobs") is None
    with pytest.raises(ValidationError):
        faults.update({"throttle_rate": 2})
    with pytest.raises(ValidationError):
        faults.update({"no_such_fault": True})
    assert faults.update({"reset": True})["throttle_rate"] == 0
    assert faults.snapshot()["injected"]["throttle"] == 1


def test_boot_image_is_a_tar_padded_to_the_disk(tmp_path) -> None:
    image = tmp_path / "boot.img"
    extents = build_boot_image(image, 256 * 1024, [("index.html", b"<h1>x</h1>"), (CHURN_FILE, bytes(8192))])
    assert image.stat().st_size == 256 * 1024
    assert set(extents) == {"index.html", CHURN_FILE} == set(file_extents(image))
    assert read_file(image, "index.html") == b"<h1>x</h1>"
    assert read_file(image, "missing") is None
    with pytest.raises(ValueError):
        build_boot_image(tmp_path / "small.img", 1024, [("big", bytes(4096))])


def test_cbor_error_body_parses_as_botocore_reads_it() -> None:
    body = _cbor_text_map({"__type": "ThrottlingException", "message": "Rate exceeded" * 3})
    model = botocore.session.get_session().get_service_model("cloudwatch")
    parsed = RpcV2CBORParser().parse(
        {"status_code": 400, "headers": {}, "body": body},
        model.operation_model("ListMetrics").output_shape,
    )
    assert parsed["Error"]["Code"] == "ThrottlingException"
    assert wire_protocol("cloudwatch", "application/cbor") == "smithy-rpc-v2-cbor"
    assert wire_protocol("cloudwatch", "application/x-amz-json-1.0") == "json"
    assert wire_protocol("mgn", "application/json") == "rest-json"
    assert wire_protocol("ec2", "application/x-www-form-urlencoded; charset=utf-8") == "ec2"


def test_credential_scope_of_a_non_sigv4_header() -> None:
    assert credential_scope({"HTTP_AUTHORIZATION": "Bearer x"}) == (None, None)


def test_shape_walker_flags_what_the_model_forbids() -> None:
    model = botocore.session.get_session().get_service_model("mgn")
    shape = model.operation_model("StartTest").input_shape
    assert shape_errors(shape, {"sourceServerIDs": ["s-0123456789abcdef0"]}) == []
    problems = dict(shape_errors(shape, {"sourceServerIDs": ["s-1"], "bogus": 1, "tags": {"k": 5}}))
    assert set(problems) == {
        "StartTestRequest.sourceServerIDs[0]",
        "StartTestRequest.bogus",
        "StartTestRequest.tags.k",
    }
    assert shape_errors(shape, {}) == [("StartTestRequest.sourceServerIDs", "required member missing")]


def test_config_expands_counts_and_rejects_mistakes() -> None:
    config = load_config({"source_servers": [{"hostname": "b-{n}", "count": 3}, {"hostname": "solo"}]})
    assert [s.hostname for s in config.expanded_servers()] == ["b-1", "b-2", "b-3", "solo"]
    assert len(load_config(None).expanded_servers()) == 3
    with pytest.raises(ValidationError):
        load_config({"source_servers": [{"hostname": "x", "disks": []}]})
    with pytest.raises(ValidationError):
        load_config({"network": {"source_prefix": "10.0.1"}})
    with pytest.raises(ValidationError):
        load_config({"source_servers": [{"hostname": "x", "colour": "red"}]})
    with pytest.raises(ValueError):
        load_config({"source_servers": [{"hostname": "x"}, {"hostname": "x"}]}).expanded_servers()


def test_the_readme_config_example_is_valid() -> None:
    """The documented example must load: the README is where users copy their config from."""
    readme = (Path(__file__).resolve().parents[3] / "sandbox" / "README.md").read_text()
    block = readme.split("```yaml\n", 1)[1].split("```", 1)[0]
    config = load_config(yaml.safe_load(block))
    hostnames = [s.hostname for s in config.expanded_servers()]
    assert hostnames[0] == "web-1" and len(hostnames) == 51
    assert config.faults.fail_launch == ["web-2"]
