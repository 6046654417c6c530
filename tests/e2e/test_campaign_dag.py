"""The campaign DAG end to end: three waves and one database on the sandbox, on real Airflow (api-server,
scheduler, dag-processor, triggerer, LocalExecutor), gates answered through the HITL REST API.

At most 2 waves in flight; w2 depends on the database. Wave 1 is held at its finalize gate and wave 2 at
its cutover gate: both are in flight and wave 3 must not start. The campaign is stopped there (its run
marked failed), wave 1 is let finish, and nothing new starts. A second campaign run resumes: wave 1 is not
run again, wave 2's run (still in flight) is waited for, wave 3 starts and everything ends archived.
"""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from devstack.airflow_stack import AirflowStack, free_port
from devstack.api import AirflowUser
from devstack.campaign_follow import CampaignFollower
from sandbox.testing import running_sandbox
from tests.e2e.sandbox_airflow import airflow_on_sandbox

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.xdist_group("airflow_e2e")]

PLAN = "camp"
CAMPAIGN = f"{PLAN}__campaign"
WAVES = {f"w{i}": f"s-000000000000camp{i}" for i in (1, 2, 3)}
WAVE_DAGS = {name: f"{PLAN}__wave__{name}" for name in WAVES}
DB_DAG = f"{PLAN}__database__items"
HELD = {(WAVE_DAGS["w1"], "approve_finalize"), (WAVE_DAGS["w2"], "approve_cutover")}
RULES = [
    {
        "rule-type": "selection",
        "rule-id": "1",
        "rule-name": "all",
        "object-locator": {"schema-name": "%", "table-name": "%"},
        "rule-action": "include",
    }
]


def _plan(folder: Path, data: Path) -> None:
    plan = {
        "plan": {
            "name": PLAN,
            "region": "us-east-1",
            "aws_conn_id": "aws_sandbox",
            "approvers": ["alice"],
            "approval_timeout_hours": 1,
            "poll_interval_seconds": 2,
        },
        "campaign": {"max_waves_in_flight": 2},
        "waves": [
            {
                "name": name,
                "depends_on_databases": ["items"] if name == "w2" else [],
                "servers": [{"hostname": f"camp-{name}", "source_server_id": sid}],
            }
            for name, sid in WAVES.items()
        ],
        "databases": [
            {
                "name": "items",
                "migration_type": "full-load",
                "source": {"engine": "sqlite", "database": str(data / "source.db")},
                "target": {"engine": "sqlite", "database": str(data / "target.db")},
                "replication_instance": {"allocated_storage_gb": 20},
                "table_mappings": {"rules": RULES},
                "task_settings": {"FullLoadSettings": {"TargetTablePrepMode": "DROP_AND_CREATE"}},
            }
        ],
    }
    (folder / f"{PLAN}.yaml").write_text(json.dumps(plan, indent=2))
    engine = create_engine(f"sqlite:///{data / 'source.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE items (id INTEGER PRIMARY KEY, qty INTEGER)"))
        conn.execute(text("INSERT INTO items VALUES (:i, :q)"), [{"i": i, "q": i % 7} for i in range(1, 201)])
    engine.dispose()


SANDBOX = {
    "source_servers": [
        {"hostname": f"camp-{name}", "source_server_id": sid, "disks": [{"device": "/dev/sda", "size_mb": 1}]}
        for name, sid in WAVES.items()
    ]
}


@pytest.fixture(scope="module")
def airflow(tmp_path_factory):
    plans, data = tmp_path_factory.mktemp("plans"), tmp_path_factory.mktemp("data")
    _plan(plans, data)
    port = free_port()
    users = {"admin": "admin", "alice": "user"}
    with airflow_on_sandbox(tmp_path_factory.mktemp("airflow"), users, plans, port, CAMPAIGN) as stack:
        yield stack, port


def _follower(stack: AirflowStack) -> CampaignFollower:
    admin = AirflowUser(stack.base_url, "admin", stack.password("admin"))
    alice = AirflowUser(stack.base_url, "alice", stack.password("alice"))
    return CampaignFollower(admin, alice, list(WAVE_DAGS.values()), [DB_DAG], held=set(HELD))


def _xcom(admin: AirflowUser, run_id: str, task_id: str, key: str = "return_value"):
    path = f"/dags/{CAMPAIGN}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/{key}"
    return admin.request("GET", path, params={"deserialize": True})["value"]


def _when(run: dict, key: str) -> datetime:
    return datetime.fromisoformat(run[key].replace("Z", "+00:00"))


@pytest.mark.timeout(600)  # with the Airflow start: about 4 minutes on 2 busy cores
def test_campaign_keeps_order_and_limit_and_resumes_without_rerunning_finished_waves(airflow):
    stack, port = airflow
    with running_sandbox(SANDBOX, port=port, reset_moto=True) as sandbox:
        watch = _follower(stack)
        first = watch.admin.trigger(CAMPAIGN)["dag_run_id"]
        watch.until(lambda waiting: waiting >= HELD, 300, "wave 1 and wave 2 held at their gates")
        assert watch.runs(WAVE_DAGS["w3"]) == []  # two waves in flight: the third waits

        # Stop the campaign during wave 2, then let wave 1 finish: nothing new may start.
        watch.admin.request("PATCH", f"/dags/{CAMPAIGN}/dagRuns/{first}", json={"state": "failed"})
        watch.held.discard((WAVE_DAGS["w1"], "approve_finalize"))
        watch.until(lambda _: watch.runs(WAVE_DAGS["w1"])[0]["state"] == "success", 120, "wave 1 finished")
        time.sleep(6)  # several scheduler loops and trigger polls
        assert watch.admin.run(CAMPAIGN, first)["state"] == "failed"
        assert watch.runs(WAVE_DAGS["w3"]) == []

        # Resume: a new campaign run.
        watch.held.clear()
        second = watch.admin.trigger(CAMPAIGN)["dag_run_id"]
        assert watch.follow(CAMPAIGN, second, timeout=300) == "success"

        runs = {name: watch.runs(dag_id) for name, dag_id in {**WAVE_DAGS, "db": DB_DAG}.items()}
        assert {name: [(r["dag_run_id"], r["state"]) for r in rs] for name, rs in runs.items()} == {
            name: [("campaign__try1", "success")] for name in runs
        }  # one run each: wave 1 never ran again, wave 2 was waited for, not started twice
        assert _xcom(watch.admin, second, "wave__w1.start") == {"action": "done", "run_id": "campaign__try1"}
        assert _xcom(watch.admin, second, "wave__w2.start") == {"action": "wait", "run_id": "campaign__try1"}
        one = {name: rs[0] for name, rs in runs.items()}
        resumed_at = _when(watch.admin.run(CAMPAIGN, second), "start_date")
        assert _when(one["w1"], "end_date") < resumed_at < _when(one["w3"], "start_date")
        assert _when(one["db"], "end_date") <= _when(one["w2"], "start_date")  # database first
        assert (
            _when(one["w1"], "start_date") <= _when(one["w2"], "start_date") <= _when(one["w3"], "start_date")
        )
        assert watch.max_in_flight == 2  # the limit was used, never exceeded

        servers = sandbox.client("mgn").describe_source_servers(filters={"isArchived": True})["items"]
        assert sorted(s["sourceServerID"] for s in servers) == sorted(WAVES.values())
        summary = _xcom(watch.admin, second, "summary")
        rows = {row["name"]: row for row in summary["waves"]}
        for name in WAVES:
            row = rows[name]
            assert (row["state"], row["attempts"], row["archived"], row["servers"]) == ("success", 1, 1, 1)
            assert row["minutes"] > 0
            assert 89.9 < row["min_free_days_left"] <= 90  # replicating for minutes, finalized
            assert row["free_period"][0]["replication_stopped"] is not None
        assert summary["databases"][0]["state"] == "success"
        assert "| w1 | success | 1 |" in _xcom(watch.admin, second, "summary", "campaign_report")
