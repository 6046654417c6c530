from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

import pytest
from airflow.providers.common.compat.sdk import AirflowException
from hooks.ec2 import Ec2ClientHook
from operators.post_launch import MgnPostLaunchValidationOperator, source_address
from shared.xcom import VALIDATION_REPORT_KEY as REPORT_XCOM_KEY
from shared.xcom import VALIDATION_RESULTS_KEY as RESULTS_XCOM_KEY

from tests.unit.plugins.conftest import server, sid


class _Ok(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"hello")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def port() -> Iterator[int]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1]
    httpd.shutdown()


def _instances_response(ip: str) -> dict:
    return {"Reservations": [{"Instances": [{"InstanceId": "i-0123456789abcdef0", "PrivateIpAddress": ip}]}]}


def test_table_for_a_launched_and_a_missing_instance(stub, context, port):
    op = MgnPostLaunchValidationOperator(
        task_id="v",
        aws_conn_id=None,
        region_name="us-east-1",
        source_server_ids=[sid(1), sid(2)],
        http_checks=[{"url": f"http://{{ip}}:{port}/health"}],
        tcp_checks=[{"port": port}],
        parity_checks=[{"url": f"http://{{ip}}:{port}/index.html"}],
        check_attempts=1,
        check_delay=0,
    )
    src = {"networkInterfaces": [{"ips": ["127.0.0.1"], "isPrimary": True}]}
    stub(op.hook).add_response(
        "describe_source_servers",
        {
            "items": [
                server(1, launchedInstance={"ec2InstanceID": "i-0123456789abcdef0"}, sourceProperties=src),
                server(2),
            ]
        },
    )
    ec2 = Ec2ClientHook(aws_conn_id=None, region_name="us-east-1")
    stub(ec2).add_response(
        "describe_instances", _instances_response("127.0.0.1"), {"InstanceIds": ["i-0123456789abcdef0"]}
    )
    with (
        mock.patch("operators.post_launch.Ec2ClientHook", return_value=ec2),
        pytest.raises(AirflowException, match="1 of 5 post-launch checks failed"),
    ):
        op.execute(context)
    pushed = {c.kwargs["key"]: c.kwargs["value"] for c in context["ti"].xcom_push.call_args_list}
    rows = pushed[RESULTS_XCOM_KEY]
    assert pushed[REPORT_XCOM_KEY].startswith("**4 of 5 checks passed**, 1 failed")
    assert "| **NO** | no launched instance |" in pushed[REPORT_XCOM_KEY]
    assert [(r["server"], r["check"], r["ok"]) for r in rows] == [
        (sid(1), "instance", True),
        (sid(1), "http", True),
        (sid(1), "tcp", True),
        (sid(1), "parity", True),
        (sid(2), "instance", False),
    ]
    assert rows[-1]["detail"] == "no launched instance"


def test_source_address_prefers_the_primary_nic():
    srv = {
        "sourceProperties": {
            "networkInterfaces": [{"ips": ["10.0.0.9"]}, {"ips": ["10.0.0.5"], "isPrimary": True}]
        }
    }
    assert source_address(srv) == "10.0.0.5"
    assert source_address({}) is None
