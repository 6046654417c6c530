"""`make demo`: the demo plan's wave DAG, end to end, on a local Airflow against the local sandbox.

Starts the sandbox's demo world and Airflow (api-server, scheduler, dag-processor, triggerer; SQLite and the
LocalExecutor, or with --executor celery the deployment of docker-compose.yaml: PostgreSQL, Redis and two
Celery workers, devstack/celery_stack.py), triggers the wave DAG and follows it. At each approval gate it prints the UI address and the
exact command that approves; with --auto-approve it answers through the HITL REST API as the demo approver
(recorded in the response). Ends with a summary per server and the time taken.

    python -m devstack.demo [--auto-approve] [--executor local|celery]
    python -m devstack.demo approve DAG_ID RUN_ID TASK_ID [--user NAME] [--reject]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import boto3
import requests
from botocore.config import Config

from devstack.airflow_stack import REPO, AirflowStack, free_port
from devstack.api import AirflowUser, ApiError
from devstack.celery_stack import CeleryStack
from devstack.follow import follow_aloud

DEMO_DIR = REPO / ".demo"
AIRFLOW_HOME = DEMO_DIR / "airflow"
SANDBOX_STATE = DEMO_DIR / "sandbox"
STACK_FILE = DEMO_DIR / "stack.json"  # where the running demo is, for `approve` from another shell
PLAN_NAME, WAVE = "demo", "shop"
DAG_ID = f"{PLAN_NAME}__wave__{WAVE}"
APPROVER = "demo-approver"
USERS = {"admin": "admin", APPROVER: "user", "alice": "user", "mallory": "user"}
SANDBOX_CONN = "aws_sandbox"


def say(text: str) -> None:
    print(f"[demo {time.strftime('%H:%M:%S')}] {text}", flush=True)


def sandbox_connection(endpoint: str) -> str:
    """An Airflow connection (env var form) whose every AWS client goes to the sandbox."""
    return json.dumps(
        {
            "conn_type": "aws",
            "login": "sandbox",
            "password": "sandbox",
            "extra": {"region_name": "us-east-1", "endpoint_url": endpoint},
        }
    )


def start_sandbox(port: int, config: Path | None = None, state: Path = SANDBOX_STATE) -> subprocess.Popen:
    """The sandbox in its own process (``config``: a sandbox YAML; default the demo world)."""
    state.mkdir(parents=True, exist_ok=True)
    log = (state.parent / "sandbox.log").open("a")
    extra = ["--config", str(config)] if config else []
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", str(port), "--state-dir", str(state), *extra],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the sandbox exited ({proc.returncode}); see {state.parent / 'sandbox.log'}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/_sandbox/health", timeout=1).ok:
                return proc
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise TimeoutError("the sandbox did not answer /_sandbox/health in 60 s")


def summary(endpoint: str, outcome, started: float, gates: list[dict]) -> str:
    kwargs = {
        "endpoint_url": endpoint,
        "region_name": "us-east-1",
        "aws_access_key_id": "sandbox",
        "aws_secret_access_key": "sandbox",
        "config": Config(retries={"mode": "standard", "max_attempts": 10}),
    }
    mgn, route53 = boto3.client("mgn", **kwargs), boto3.client("route53", **kwargs)
    servers = mgn.describe_source_servers(filters={"isArchived": True})["items"]
    servers += mgn.describe_source_servers(filters={"isArchived": False})["items"]
    records = {
        r["Name"].rstrip("."): r["ResourceRecords"][0]["Value"]
        for r in route53.list_resource_record_sets(HostedZoneId="Z0SANDBOXCORP")["ResourceRecordSets"]
        if r["Type"] == "A"
    }
    lines = [f"Run {outcome.state.upper()} in {time.monotonic() - started:.0f} s.", ""]
    lines.append(f"{'server':<8} {'replication':<14} {'lifecycle':<18} {'DNS':<36} archived")
    for server in sorted(servers, key=lambda s: s["sourceProperties"]["identificationHints"]["hostname"]):
        host = server["sourceProperties"]["identificationHints"]["hostname"]
        fqdn = server["sourceProperties"]["identificationHints"].get("fqdn", host)
        lines.append(
            f"{host:<8} {server.get('dataReplicationInfo', {}).get('dataReplicationState', '-'):<14} "
            f"{server['lifeCycle'].get('state', '-'):<18} {fqdn + ' -> ' + records.get(fqdn, '-'):<36} "
            f"{'yes' if server.get('isArchived') else 'no'}"
        )
    lines.append("")
    for gate in gates:
        who = (gate.get("responded_by_user") or {}).get("name", "nobody")
        answer = ", ".join(gate.get("chosen_options") or ["no answer"])
        lines.append(f"gate {gate['task_instance']['task_id']}: {answer} by {who}")
    return "\n".join(lines)


def run_demo(auto_approve: bool, executor: str = "local") -> int:
    started = time.monotonic()
    for old in (AIRFLOW_HOME, SANDBOX_STATE):  # every demo starts from a fresh world
        shutil.rmtree(old, ignore_errors=True)
    DEMO_DIR.mkdir(exist_ok=True)
    sandbox_port = free_port()
    endpoint = f"http://127.0.0.1:{sandbox_port}"
    say(f"starting the sandbox's demo world on {endpoint} (state in {SANDBOX_STATE})")
    sandbox = start_sandbox(sandbox_port)
    stack = (CeleryStack if executor == "celery" else AirflowStack)(
        home=AIRFLOW_HOME,
        users=USERS,
        extra_env={f"AIRFLOW_CONN_{SANDBOX_CONN.upper()}": sandbox_connection(endpoint)},
    )
    try:
        say(f"starting Airflow ({', '.join(stack.commands())}; {executor} executor) in {AIRFLOW_HOME}")
        stack.start()
        STACK_FILE.write_text(json.dumps({"base_url": stack.base_url, "home": str(AIRFLOW_HOME)}))
        say(f"Airflow UI: {stack.base_url}  (users and passwords: {stack.password_file})")
        admin = AirflowUser(stack.base_url, "admin", stack.password("admin"))
        admin.wait_for_dag(DAG_ID, timeout=180)
        run = admin.trigger(DAG_ID)
        run_id = run["dag_run_id"]
        say(f"triggered {DAG_ID} run {run_id}")
        approver = AirflowUser(stack.base_url, APPROVER, stack.password(APPROVER))

        hint = "  (add --reject to reject; the wave then rolls back)"
        outcome = follow_aloud(say, admin, approver, DAG_ID, run_id, auto=auto_approve, reject_hint=hint)
        print("\n" + summary(endpoint, outcome, started, admin.gates(DAG_ID, run_id)), flush=True)
        return 0 if outcome.state == "success" else 1
    finally:
        say("stopping Airflow and the sandbox")
        stack.stop()
        sandbox.terminate()
        sandbox.wait(timeout=30)
        STACK_FILE.unlink(missing_ok=True)


def approve(dag_id: str, run_id: str, task_id: str, user: str, reject: bool) -> int:
    if not STACK_FILE.exists():
        print("no demo is running (start one with `make demo`)", file=sys.stderr)
        return 2
    stack = json.loads(STACK_FILE.read_text())
    passwords = json.loads((Path(stack["home"]) / "simple_auth_manager_passwords.json.generated").read_text())
    try:
        answering = AirflowUser(stack["base_url"], user, passwords[user])
        answer = answering.answer_gate(dag_id, run_id, task_id, "Reject" if reject else "Approve")
    except ApiError as exc:
        reasons = {403: f"{user} is not an approver of this gate", 409: "this gate was already answered"}
        print(reasons.get(exc.status_code, str(exc)), file=sys.stderr)
        return 1
    print(f"{task_id}: {answer['chosen_options'][0]} by {answer['responded_by']['name']}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="devstack.demo", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command")
    answer = sub.add_parser("approve", help="answer a waiting gate of the running demo")
    answer.add_argument("dag_id")
    answer.add_argument("run_id")
    answer.add_argument("task_id")
    answer.add_argument("--user", default=APPROVER)
    answer.add_argument("--reject", action="store_true")
    parser.add_argument(
        "--executor", choices=["local", "celery"], default=os.environ.get("EXECUTOR") or "local"
    )
    parser.add_argument(
        "--auto-approve", action="store_true", default=os.environ.get("AUTO_APPROVE") in ("1", "true", "yes")
    )
    args = parser.parse_args(argv)
    if args.command == "approve":
        return approve(args.dag_id, args.run_id, args.task_id, args.user, args.reject)
    try:
        return run_demo(args.auto_approve, args.executor)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
