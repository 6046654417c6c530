"""`make rehearse PLAN=p.yaml [WORLD=w.yaml] [AUTO_APPROVE=1]`: every DAG of a plan against the sandbox.

Validates the plan and the world file (devstack/world.py), prepares the local databases (created, seeded
when asked), starts the sandbox with the plan's source servers and Route 53 zones, creates the secrets and
the address the plan switches, starts a local Airflow on the rewritten plan (devstack/rehearsal_world.py),
then runs the database DAGs first and the waves after them, printing progress, gates (UI address and the
approve command; answered as the plan's first approver with AUTO_APPROVE) and a summary.

    python -m devstack.rehearse PLAN [--world WORLD] [--auto-approve] [--campaign]

With --campaign (`make campaign`) it triggers the plan's campaign DAG once instead, follows the wave and
database runs it starts (devstack/campaign_follow.py) and prints the campaign's summary.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

import boto3
import requests
import yaml

from devstack.airflow_stack import REPO, AirflowStack, free_port
from devstack.api import AirflowUser
from devstack.campaign_follow import run_campaign
from devstack.demo import sandbox_connection, start_sandbox
from devstack.follow import follow_aloud
from devstack.rehearsal_world import (
    create_app_users,
    create_database,
    rehearsal_plan,
    sandbox_config,
    secret_value,
    seed_sample,
)
from devstack.world import WorldError, check_world, load_world

WORK = REPO / ".rehearse"


def say(text: str) -> None:
    print(f"[rehearse {time.strftime('%H:%M:%S')}] {text}", flush=True)


def _client(service: str, endpoint: str):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
    )


def _prepare_aws(plan, world, endpoint: str) -> dict[tuple, str]:
    """Secrets for the endpoints that name one, the switched addresses at their source values, and the
    plan's SNS topics (the gates publish to them; the key ("sns", <plan's ARN>) gives the sandbox's ARN)."""
    secrets, sm, ssm = {}, _client("secretsmanager", endpoint), _client("ssm", endpoint)
    for target in plan.plan.notify:
        if target.type == "sns":
            topic = _client("sns", endpoint).create_topic(Name=target.target.rsplit(":", 1)[-1])
            secrets[("sns", target.target)] = topic["TopicArn"]
    for db in plan.databases:
        local = world.databases[db.name]
        for side in ("source", "target"):
            if getattr(db, side).secret_arn and getattr(local, side).engine != "sqlite":
                name = f"rehearsal/{db.name}/{side}"
                secrets[(db.name, side)] = sm.create_secret(
                    Name=name, SecretString=secret_value(getattr(local, side))
                )["ARN"]
        switch = db.cutover.address_switch
        if switch and switch.ssm_parameter:
            ssm.put_parameter(
                Name=switch.ssm_parameter, Value=db.source.host or "source", Type="String", Overwrite=True
            )
        if switch and switch.secret_arn:
            made = sm.create_secret(
                Name=f"rehearsal/{db.name}/address",
                SecretString=json.dumps({switch.address_key: db.source.host}),
            )
            secrets[(db.name, "address")] = made["ARN"]
    return secrets


def _conn_env(plan, world, base: Path) -> dict[str, str]:
    """Airflow connections for endpoints that use conn_id (the local database, credentials from env)."""
    from devstack.rehearsal_world import local_url

    env = {}
    for db in plan.databases:
        for side in ("source", "target"):
            ep, local = getattr(db, side), getattr(world.databases[db.name], side)
            if (ep.conn_id or not ep.secret_arn) and local.engine != "sqlite":
                url = local_url(local, base)
                conn = {
                    "conn_type": local.engine,
                    "host": url.host,
                    "port": url.port,
                    "login": url.username,
                    "password": url.password,
                }
                env[f"AIRFLOW_CONN_{(ep.conn_id or 'rehearsal_db').upper()}"] = json.dumps(conn)
    return env


def _follow(admin, approver, dag_id: str, auto: bool) -> str:
    run_id = admin.trigger(dag_id)["dag_run_id"]
    say(f"triggered {dag_id} run {run_id}")
    outcome = follow_aloud(say, admin, approver, dag_id, run_id, auto=auto, prefix=f"{dag_id}.")
    say(f"{dag_id}: {outcome.state.upper()}")
    return outcome.state


def _checked(plan_path: Path, world_path: Path | None):
    """(the plan's PlanResult, the world, the world's folder), or None after printing why not."""
    from migration_plan.validate import validate_file

    result = validate_file(str(plan_path))
    if not result.ok:
        for issue in result.errors:
            print(issue.render(), file=sys.stderr)
        return None
    try:
        world, base = load_world(world_path)
        check_world(world, result.plan, world_path)
    except WorldError as error:
        print(error, file=sys.stderr)
        return None
    return result, world, base


def _prepare_databases(plan, world, base: Path) -> None:
    """The local databases created (sources seeded when the world asks), the application users made."""
    for name, db in world.databases.items():
        for side, local in (("source", db.source), ("target", db.target)):
            create_database(local, base)
            if side == "source" and local.seed == "sample":
                seed_sample(local, base)
        create_app_users(
            db.source, base, next(d for d in plan.databases if d.name == name).cutover.read_only_users
        )


def _run_dags(admin, approver, plan, auto: bool) -> tuple[list[str], dict[str, str]]:
    """The database DAGs, then the waves, each after the one before succeeded: (DAG ids, their states)."""
    name = plan.plan.name
    dag_ids = [f"{name}__database__{d.name}" for d in plan.databases]
    dag_ids += [f"{name}__wave__{w.name}" for w in plan.waves]
    states: dict[str, str] = {}
    for dag_id in dag_ids:
        admin.wait_for_dag(dag_id, timeout=180)
        states[dag_id] = _follow(admin, approver, dag_id, auto)
        if states[dag_id] != "success":
            break
    return dag_ids, states


def rehearse(plan_path: Path, world_path: Path | None, auto: bool, campaign: bool = False) -> int:
    checked = _checked(plan_path, world_path)
    if checked is None:
        return 2
    result, world, base = checked
    plan = result.plan
    started = time.monotonic()
    shutil.rmtree(WORK, ignore_errors=True)
    (WORK / "plans").mkdir(parents=True)
    _prepare_databases(plan, world, base)
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    config = WORK / "sandbox.yaml"
    config.write_text(yaml.safe_dump(sandbox_config(plan, world)))
    say(
        f"starting the sandbox on {endpoint} with the plan's {sum(len(w.servers) for w in plan.waves)} servers"
    )
    sandbox = start_sandbox(port, config=config, state=WORK / "sandbox")
    stack = None
    try:
        secrets = _prepare_aws(plan, world, endpoint)
        servers = requests.get(f"{endpoint}/_sandbox/servers", timeout=10).json().get("servers", [])
        secrets.update({("server", s["hostname"]): s["sourceIp"] for s in servers})
        mails = [n.target for n in plan.plan.notify if n.type != "sns"]
        if mails:
            say(
                f"e-mail is not sent in a rehearsal (no mail server): the gates will not notify {', '.join(mails)}"
            )
        data = yaml.safe_load(plan_path.read_text())
        rewritten = rehearsal_plan(data, result.table_mappings, world, base, secrets)
        (WORK / "plans" / plan_path.name).write_text(yaml.safe_dump(rewritten, sort_keys=False))
        users = {"admin": "admin", **{u: "user" for u in plan.plan.approvers}}
        env = {"AIRFLOW_CONN_AWS_SANDBOX": sandbox_connection(endpoint), **_conn_env(plan, world, base)}
        stack = AirflowStack(home=WORK / "airflow", users=users, plans_dir=WORK / "plans", extra_env=env)
        say("starting Airflow (api-server, scheduler, dag-processor, triggerer)")
        stack.start()
        say(f"Airflow UI: {stack.base_url}  (users and passwords: {stack.password_file})")
        admin = AirflowUser(stack.base_url, "admin", stack.password("admin"))
        approver = AirflowUser(stack.base_url, plan.plan.approvers[0], stack.password(plan.plan.approvers[0]))
        if campaign:
            return run_campaign(say, admin, approver, plan, auto=auto)
        dag_ids, states = _run_dags(admin, approver, plan, auto)
        print(f"\nRehearsal of {plan_path} in {time.monotonic() - started:.0f} s:", flush=True)
        for dag_id in dag_ids:
            print(f"  {dag_id}: {states.get(dag_id, 'not run')}", flush=True)
        return 0 if all(states.get(d) == "success" for d in dag_ids) else 1
    finally:
        say("stopping Airflow and the sandbox")
        if stack is not None:
            stack.stop()
        sandbox.terminate()
        sandbox.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="devstack.rehearse", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("plan", type=Path)
    parser.add_argument("--world", type=Path, default=None)
    parser.add_argument(
        "--auto-approve", action="store_true", default=os.environ.get("AUTO_APPROVE") in ("1", "true", "yes")
    )
    parser.add_argument(
        "--campaign", action="store_true", help="run the plan's campaign DAG instead of each DAG in turn"
    )
    args = parser.parse_args(argv)
    try:
        return rehearse(args.plan, args.world, args.auto_approve, args.campaign)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
