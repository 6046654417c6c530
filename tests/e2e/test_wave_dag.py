"""The wave DAG end to end: real Airflow (api-server, scheduler, dag-processor, triggerer, LocalExecutor),
real boto3 clients against the sandbox, approval gates answered through Airflow's HITL REST API.

One Airflow for the module; each scenario gets a fresh sandbox world on the same port (the Airflow
connection points there) and its own DAG run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from devstack.airflow_stack import AirflowStack, free_port
from devstack.api import AirflowUser, ApiError
from devstack.follow import follow_run
from sandbox.testing import running_sandbox
from tests.e2e.sandbox_airflow import airflow_on_sandbox

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.xdist_group("airflow_e2e")]

ROOT = Path(__file__).resolve().parents[2]
DAG_ID = "demo__wave__shop"
ZONE = "Z0SANDBOXCORP"
SERVER_IDS = ["s-0000000000000web1", "s-0000000000000web2", "s-00000000000000db1"]
NAMES = ["web-1.corp.example.com.", "web-2.corp.example.com.", "db-1.corp.example.com."]


@pytest.fixture(scope="module")
def sandbox_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def airflow(tmp_path_factory, sandbox_port):
    plans = tmp_path_factory.mktemp("plans")
    shutil.copy(ROOT / "include" / "plans" / "demo.yaml", plans / "demo.yaml")
    users = {"admin": "admin", "alice": "user", "demo-approver": "user", "mallory": "user"}
    with airflow_on_sandbox(tmp_path_factory.mktemp("airflow"), users, plans, sandbox_port, DAG_ID) as stack:
        yield stack


def user(stack: AirflowStack, name: str) -> AirflowUser:
    return AirflowUser(stack.base_url, name, stack.password(name))


def dns_values(sandbox) -> dict[str, str]:
    records = sandbox.client("route53").list_resource_record_sets(HostedZoneId=ZONE)["ResourceRecordSets"]
    return {r["Name"]: r["ResourceRecords"][0]["Value"] for r in records if r["Type"] == "A"}


def running_instances(sandbox) -> list[dict]:
    reservations = sandbox.client("ec2").describe_instances(
        Filters=[{"Name": "instance-state-name", "Values": ["pending", "running"]}]
    )["Reservations"]
    return [i for r in reservations for i in r["Instances"]]


def run_wave(stack, answer) -> tuple[str, object]:
    """Trigger the wave and answer each gate with answer(task_id, run_id); returns (run_id, outcome)."""
    admin = user(stack, "admin")
    run_id = admin.trigger(DAG_ID)["dag_run_id"]

    def on_gate(detail):
        answer(detail["task_instance"]["task_id"], run_id)

    return run_id, follow_run(admin, DAG_ID, run_id, on_gate=on_gate, timeout=600)


def xcom(stack, run_id: str, task_id: str, key: str = "return_value"):
    entry = user(stack, "admin").request(
        "GET",
        f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/{key}",
        params={"deserialize": True},
    )
    return entry["value"]


def test_wave_cuts_over_and_archives_under_throttling(airflow, sandbox_port):
    with running_sandbox(port=sandbox_port, reset_moto=True) as sandbox:
        originals = dns_values(sandbox)
        sandbox.faults(throttle_rate=0.3)
        alice = user(airflow, "alice")
        mallory = user(airflow, "mallory")
        answered: list[str] = []

        def answer(task_id, run_id):
            with pytest.raises(ApiError) as refused:  # not an approver of this plan
                mallory.answer_gate(DAG_ID, run_id, task_id, "Approve")
            assert refused.value.status_code == 403
            alice.answer_gate(DAG_ID, run_id, task_id, "Approve")
            answered.append(task_id)

        run_id, outcome = run_wave(airflow, answer)
        assert outcome.state == "success", outcome.task_states
        assert answered == ["approve_cutover", "approve_finalize"]
        assert sandbox.faults()["injected"]["throttle"] > 0
        sandbox.faults(reset=True)

        mgn = sandbox.client("mgn")
        servers = mgn.describe_source_servers(filters={"isArchived": True})["items"]
        assert len(servers) == 3 and all(s["lifeCycle"]["state"] == "CUTOVER" for s in servers)
        instance_ips = {i["PrivateIpAddress"] for i in running_instances(sandbox)}
        after = dns_values(sandbox)
        for name in NAMES:
            assert after[name] in instance_ips and after[name] != originals[name]

        evidence = xcom(airflow, run_id, "validate_cutover")
        passed = {(row["server"], row["check"]) for row in evidence if row["ok"]}
        assert all(row["ok"] for row in evidence), evidence
        for server in SERVER_IDS:
            for check in ("instance", "http", "tcp", "parity"):
                assert (server, check) in passed, (server, check, evidence)
        gates = {g["task_instance"]["task_id"]: g for g in user(airflow, "admin").gates(DAG_ID, run_id)}
        assert gates["approve_cutover"]["responded_by_user"]["id"] == "alice"
        assert "Checks" in gates["approve_cutover"]["body"]


def _assert_rolled_back(sandbox, originals, outcome):
    assert outcome.state == "failed"
    assert outcome.task_states["rollback.report"] == "success", outcome.task_states
    assert dns_values(sandbox) == originals
    assert running_instances(sandbox) == []
    servers = sandbox.client("mgn").describe_source_servers(filters={})["items"]
    assert all(not (s.get("launchedInstance") or {}).get("ec2InstanceID") for s in servers), servers
    assert all(s["lifeCycle"]["state"] in ("READY_FOR_TEST", "READY_FOR_CUTOVER") for s in servers)


def test_rejected_finalize_gate_rolls_the_cutover_back(airflow, sandbox_port):
    with running_sandbox(port=sandbox_port, reset_moto=True) as sandbox:
        originals = dns_values(sandbox)
        approver = user(airflow, "demo-approver")

        def answer(task_id, run_id):
            approver.answer_gate(
                DAG_ID, run_id, task_id, "Approve" if task_id == "approve_cutover" else "Reject"
            )

        _, outcome = run_wave(airflow, answer)
        assert outcome.task_states["switch_dns[0]"] == "success"  # DNS had moved before the rejection
        assert outcome.task_states["approve_finalize"] == "failed"
        _assert_rolled_back(sandbox, originals, outcome)


def test_failed_launch_fails_at_the_sensor_and_rolls_back(airflow, sandbox_port):
    with running_sandbox(port=sandbox_port, reset_moto=True) as sandbox:
        originals = dns_values(sandbox)
        sandbox.faults(fail_launch=["web-2"])

        def answer(task_id, run_id):  # never reached: the test launch fails
            pytest.fail(f"gate {task_id} should not open after a failed launch")

        run_id, outcome = run_wave(airflow, answer)
        assert outcome.task_states["test_launched"] == "failed"
        log = user(airflow, "admin").request(
            "GET",
            f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/test_launched/logs/1",
            params={"full_content": True},
        )
        assert "s-0000000000000web2" in str(log)
        _assert_rolled_back(sandbox, originals, outcome)
