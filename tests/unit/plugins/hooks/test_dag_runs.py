"""DagRunHook over the Task SDK's answers: states come back as plain strings (the SDK answers with the
DagRunState enum, whose str() is 'DagRunState.RUNNING'), a missing run is None without asking its state."""

from __future__ import annotations

from airflow.utils.state import DagRunState
from hooks.dag_runs import DagRunHook


class Runtime:
    asked: list[tuple] = []

    @staticmethod
    def get_dr_count(dag_id, run_ids=None, states=None, logical_dates=None):
        Runtime.asked.append(("count", dag_id, tuple(run_ids or ()), tuple(states or ())))
        return 1 if run_ids == ["campaign__try1"] else 0

    @staticmethod
    def get_dagrun_state(dag_id, run_id):
        Runtime.asked.append(("state", dag_id, run_id))
        return DagRunState.RUNNING


def test_states_are_plain_strings_and_missing_runs_none(monkeypatch):
    monkeypatch.setattr(DagRunHook, "_runtime", staticmethod(lambda: Runtime))
    Runtime.asked = []
    hook = DagRunHook()
    assert hook.state("w", "campaign__try1") == "running"
    assert hook.state("w", "campaign__try2") is None
    assert ("state", "w", "campaign__try2") not in Runtime.asked
    assert hook.count("w", states=["success"]) == 0
    assert ("count", "w", (), ("success",)) in Runtime.asked
