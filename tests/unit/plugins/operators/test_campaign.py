"""The campaign's start and wait operators over a DAG-run table (the Task SDK calls of DagRunHook faked):
a finished wave is never triggered again, one in flight is waited for, a failed one gets a new run."""

from __future__ import annotations

from datetime import UTC
from types import SimpleNamespace

import operators.campaign as campaign
import pytest
from airflow.providers.common.compat.sdk import AirflowFailException
from airflow.providers.standard.triggers.external_task import DagStateTrigger
from airflow.sdk.exceptions import DagRunTriggerException, TaskDeferred
from operators.campaign import CampaignStartRunOperator, CampaignWaitRunOperator

from tests.unit.plugins.conftest import server, sid

WAVE = "p__wave__web"


class FakeRuns:
    """DagRunHook's interface over {dag_id: {run_id: state}}."""

    table: dict[str, dict[str, str]] = {}

    def state(self, dag_id, run_id):
        return self.table.get(dag_id, {}).get(run_id)

    def count(self, dag_id, *, run_ids=None, states=None):
        runs = self.table.get(dag_id, {})
        return sum(
            1
            for r, s in runs.items()
            if (run_ids is None or r in run_ids) and (states is None or s in states)
        )


class FakeTi:
    dag_id, run_id = "p__campaign", "manual__2026-12-01"
    paused: set[str] = set()

    def __init__(self):
        self.xcom = {}

    def get_dag(self, dag_id):
        return SimpleNamespace(is_paused=dag_id in self.paused)

    def xcom_push(self, key, value):
        self.xcom[key] = value


@pytest.fixture
def runs(monkeypatch):
    monkeypatch.setattr(campaign, "DagRunHook", FakeRuns)
    FakeRuns.table = {}
    return FakeRuns.table


def _start():
    return CampaignStartRunOperator(
        task_id="start", trigger_dag_id=WAVE, openlineage_inject_parent_info=False
    )


def _wait():
    return CampaignWaitRunOperator(task_id="wait", run_dag_id=WAVE, poll_interval=5)


def test_a_wave_without_runs_is_triggered_as_attempt_one(runs):
    with pytest.raises(DagRunTriggerException) as triggered:
        _start().execute({"ti": FakeTi()})
    raised = triggered.value
    assert raised.trigger_dag_id == WAVE and raised.dag_run_id == "campaign__try1"
    assert raised.conf == {"campaign_dag_id": "p__campaign", "campaign_run_id": "manual__2026-12-01"}
    assert raised.wait_for_completion is False and raised.reset_dag_run is False


def test_a_paused_wave_dag_fails_the_start_instead_of_queueing_forever(runs, monkeypatch):
    from airflow.providers.standard.operators.trigger_dagrun import DagIsPaused

    monkeypatch.setattr(FakeTi, "paused", {WAVE})
    with pytest.raises(DagIsPaused, match="is paused"):
        _start().execute({"ti": FakeTi()})


def test_a_failed_attempt_gets_a_new_run_never_a_cleared_one(runs):
    runs[WAVE] = {"campaign__try1": "failed"}
    with pytest.raises(DagRunTriggerException) as triggered:
        _start().execute({"ti": FakeTi()})
    assert triggered.value.dag_run_id == "campaign__try2" and triggered.value.reset_dag_run is False


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ({"campaign__try1": "success"}, {"action": "done", "run_id": "campaign__try1"}),
        (
            {"campaign__try1": "failed", "campaign__try2": "running"},
            {"action": "wait", "run_id": "campaign__try2"},
        ),
        ({"manual__2026-11-30": "success"}, {"action": "done", "run_id": None}),
    ],
)
def test_a_finished_or_running_wave_is_not_triggered_again(runs, table, expected):
    runs[WAVE] = table
    assert _start().execute({"ti": FakeTi()}) == expected


def test_the_wait_defers_to_the_standard_dag_state_trigger(runs):
    runs[WAVE] = {"campaign__try1": "failed", "campaign__try2": "queued"}
    with pytest.raises(TaskDeferred) as deferred:
        _wait().execute({"ti": FakeTi()})
    trigger = deferred.value.trigger
    assert isinstance(trigger, DagStateTrigger)
    assert trigger.dag_id == WAVE and trigger.run_ids == ["campaign__try2"] and trigger.poll_interval == 5
    assert set(trigger.states) == {"success", "failed"} and deferred.value.method_name == "execute_complete"


def test_the_wait_passes_a_finished_wave_and_fails_a_failed_one(runs):
    runs[WAVE] = {"campaign__try1": "success"}
    assert _wait().execute({"ti": FakeTi()}) == {"run_id": "campaign__try1", "state": "success"}
    runs[WAVE] = {"campaign__try1": "failed"}
    with pytest.raises(AirflowFailException, match="nothing to wait for"):
        _wait().execute({"ti": FakeTi()})


def test_the_wait_fails_when_the_run_it_waited_for_failed(runs):
    event = ("airflow...DagStateTrigger", {"run_ids": ["campaign__try1"], "campaign__try1": "failed"})
    with pytest.raises(AirflowFailException, match="ended failed: the campaign stops here"):
        _wait().execute_complete({}, event)
    done = ("airflow...DagStateTrigger", {"run_ids": ["campaign__try1"], "campaign__try1": "success"})
    assert _wait().execute_complete({}, done) == {"run_id": "campaign__try1", "state": "success"}


class FakeRunsWithDates(FakeRuns):
    def details(self, dag_id, run_id):
        from datetime import datetime

        state = self.state(dag_id, run_id)
        start = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
        return {"run_id": run_id, "state": state, "start_date": start, "end_date": start.replace(minute=12)}


def _summary(monkeypatch, table):
    import operators.campaign_summary as summary_module
    from operators.campaign_summary import CampaignSummaryOperator

    monkeypatch.setattr(summary_module, "DagRunHook", FakeRunsWithDates)
    FakeRuns.table = table
    return CampaignSummaryOperator(
        task_id="summary",
        waves=[
            {"name": "web", "dag_id": WAVE, "source_server_ids": [sid(1), sid(2)]},
            {"name": "app", "dag_id": "p__wave__app", "source_server_ids": [sid(3)]},
        ],
        databases=[{"name": "orders", "dag_id": "p__database__orders"}],
        aws_conn_id=None,
        region_name="us-east-1",
    )


def _servers():
    archived = {
        "firstByteDateTime": "2026-11-01T00:00:00Z",
        "lastCutover": {"finalized": {"apiCallDateTime": "2026-11-11T00:00:00Z"}},
    }
    return {
        "items": [
            {**server(1, state="CUTOVER", lifecycle=archived), "isArchived": True},
            {**server(2, state="CUTOVER", lifecycle=archived), "isArchived": True},
            server(3, lifecycle={"firstByteDateTime": "2026-11-01T00:00:00Z"}),
        ]
    }


def test_the_summary_reports_each_wave_and_fails_while_one_is_unfinished(monkeypatch, stub):
    op = _summary(
        monkeypatch,
        {
            WAVE: {"campaign__try1": "failed", "campaign__try2": "success"},
            "p__wave__app": {"campaign__try1": "failed"},
        },
    )
    stub(op.hook).add_response(
        "describe_source_servers",
        _servers(),
        {"filters": {"sourceServerIDs": [sid(1), sid(2), sid(3)]}, "maxResults": 1000},
    )
    ti = FakeTi()
    with pytest.raises(AirflowFailException, match="not finished: app, orders"):
        op.execute({"ti": ti})
    waves = {row["name"]: row for row in ti.xcom["return_value"]["waves"]}
    assert (waves["web"]["state"], waves["web"]["attempts"], waves["web"]["minutes"]) == ("success", 2, 12)
    assert (waves["web"]["archived"], waves["web"]["min_free_days_left"]) == (
        2,
        80,
    )  # finalized after 10 days
    assert waves["app"]["state"] == "failed" and waves["app"]["archived"] == 0
    assert "| web | success | 2 | 12.0 | 2/2 | 80.0 |" in ti.xcom["campaign_report"]


def test_the_summary_passes_when_everything_finished(monkeypatch, stub):
    done = {"campaign__try1": "success"}
    op = _summary(
        monkeypatch, {WAVE: done, "p__wave__app": done, "p__database__orders": {"manual__x": "success"}}
    )
    stub(op.hook).add_response("describe_source_servers", _servers())
    summary = op.execute({"ti": FakeTi()})
    assert [r["state"] for r in summary["waves"] + summary["databases"]] == ["success"] * 3
    assert summary["databases"][0]["note"] == "finished by a run outside the campaign"
