"""The campaign DAG as the real builder makes it from plans: start order, at most N waves in flight,
databases before the waves that use them, the summary last, and a bad campaign section breaking only its
own plan."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest
import yaml
from airflow.task.trigger_rule import TriggerRule
from migration_dags.build import build_all, build_plan_dags
from migration_dags.naming import campaign_dag_id
from migration_plan.validate import validate_file
from operators.campaign import CampaignStartRunOperator, CampaignWaitRunOperator
from operators.campaign_summary import CampaignSummaryOperator

ROOT = Path(__file__).resolve().parents[2]


def _write(folder: Path, waves: int, campaign: dict, depends: dict | None = None, name: str = "camp") -> Path:
    data = {
        "plan": {"name": name, "region": "us-east-1", "approvers": ["alice"], "aws_conn_id": "aws_x"},
        "waves": [
            {
                "name": f"w{i}",
                "depends_on_databases": (depends or {}).get(f"w{i}", []),
                "servers": [{"hostname": f"h{i}", "source_server_id": f"s-{i:017d}"}],
            }
            for i in range(1, waves + 1)
        ],
        "databases": [
            {
                "name": db,
                "migration_type": "full-load",
                "source": {"engine": "sqlite", "database": f"{db}-a.db"},
                "target": {"engine": "sqlite", "database": f"{db}-b.db"},
                "table_mappings": {
                    "rules": [
                        {
                            "rule-type": "selection",
                            "rule-id": "1",
                            "rule-name": "all",
                            "object-locator": {"schema-name": "%", "table-name": "%"},
                            "rule-action": "include",
                        }
                    ]
                },
            }
            for db in sorted({d for ds in (depends or {}).values() for d in ds})
        ],
        "campaign": campaign,
    }
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _dags(path: Path) -> dict:
    result = validate_file(path)
    assert result.ok, [i.render() for i in result.errors]
    return {dag.dag_id: dag for dag in build_plan_dags(result)}


def _ancestors(dag, task_id: str) -> set[str]:
    return dag.get_task(task_id).get_flat_relative_ids(upstream=True)


def test_waves_start_in_the_stated_order_and_each_wave_is_its_own_dag_run(tmp_path):
    dags = _dags(_write(tmp_path, 4, {"order": ["w3", "w1", "w4", "w2"], "max_waves_in_flight": 4}))
    dag = dags[campaign_dag_id("camp")]
    order = ["w3", "w1", "w4", "w2"]
    for before, after in itertools.pairwise(order):
        assert f"wave__{before}.start" in _ancestors(dag, f"wave__{after}.start")
        assert f"wave__{after}.start" not in _ancestors(dag, f"wave__{before}.start")
    assert not _ancestors(dag, "wave__w3.start")  # the first wave waits for nothing
    for wave in order:
        start, wait = dag.get_task(f"wave__{wave}.start"), dag.get_task(f"wave__{wave}.wait")
        assert isinstance(start, CampaignStartRunOperator) and isinstance(wait, CampaignWaitRunOperator)
        assert start.trigger_dag_id == wait.run_dag_id == f"camp__wave__{wave}"
        assert start.trigger_dag_id in dags  # the wave DAG the plan builds
        assert start.wait_for_completion is False  # the deferred wait task waits, not the start
        assert wait.poll_interval == 30


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_at_most_n_waves_in_flight(tmp_path, limit):
    """When wave i starts, every wave N or more places before it has finished (its wait is upstream):
    only waves i-N+1 .. i-1 can still run, so at most N run at once."""
    dag = _dags(_write(tmp_path, 6, {"max_waves_in_flight": limit}))[campaign_dag_id("camp")]
    for i in range(1, 7):
        upstream = _ancestors(dag, f"wave__w{i}.start")
        finished_before = {j for j in range(1, i) if f"wave__w{j}.wait" in upstream}
        assert finished_before == set(range(1, i - limit + 1)), (i, finished_before)


def test_databases_finish_before_the_waves_that_use_them(tmp_path):
    path = _write(tmp_path, 3, {"max_waves_in_flight": 3}, depends={"w2": ["orders"], "w3": ["stock"]})
    dags = _dags(path)
    dag = dags[campaign_dag_id("camp")]
    assert "database__orders.wait" in _ancestors(dag, "wave__w2.start")
    assert "database__stock.wait" in _ancestors(dag, "wave__w3.start")
    assert "database__orders.wait" not in _ancestors(dag, "wave__w1.start")
    assert not _ancestors(dag, "database__orders.start")  # databases start with the campaign
    assert dag.get_task("database__orders.start").trigger_dag_id == "camp__database__orders" in dags


def test_the_summary_runs_last_whatever_happened(tmp_path):
    dag = _dags(_write(tmp_path, 3, {}, depends={"w1": ["orders"]}))[campaign_dag_id("camp")]
    summary = dag.get_task("summary")
    assert isinstance(summary, CampaignSummaryOperator)
    assert summary.trigger_rule == TriggerRule.ALL_DONE
    assert summary.upstream_task_ids == {
        "wave__w1.wait",
        "wave__w2.wait",
        "wave__w3.wait",
        "database__orders.wait",
    }
    assert [w["name"] for w in summary.waves] == ["w1", "w2", "w3"]
    assert summary.waves[0] == {
        "name": "w1",
        "dag_id": "camp__wave__w1",
        "source_server_ids": ["s-00000000000000001"],
    }
    assert summary.databases == [{"name": "orders", "dag_id": "camp__database__orders"}]
    assert summary.aws_conn_id == "aws_x" and summary.retries == 0
    assert dag.max_active_runs == 1 and "campaign" in dag.tags and "max_waves_in_flight" not in dag.doc_md


def test_the_shipped_plans_have_a_campaign():
    result = validate_file(ROOT / "include" / "plans" / "example.yaml")
    dag = {d.dag_id: d for d in build_plan_dags(result)}["acme-dc1__campaign"]
    assert "database__orders.wait" in _ancestors(dag, "wave__web.start")


def test_a_bad_campaign_section_breaks_only_its_own_plan(tmp_path):
    _write(tmp_path, 2, {"max_waves_in_flight": 1}, name="good")
    _write(tmp_path, 2, {"max_waves_in_flight": 0, "order": ["w1", "w9"]}, name="bad")
    shutil.copy(ROOT / "tests" / "plans" / "valid" / "minimal.yaml", tmp_path / "minimal.yaml")
    dags = {dag.dag_id: dag for dag in build_all(tmp_path)}
    assert "good__campaign" in dags and "minimal__campaign" in dags
    assert not any(d.startswith("bad__") for d in dags)
    doc = dags["invalid_plan__bad"].doc_md
    assert "campaign.max_waves_in_flight" in doc and "no wave named 'w9'" in doc and "leaves out 'w2'" in doc
