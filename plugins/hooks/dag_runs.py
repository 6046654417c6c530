"""Other DAGs' runs, as a running task sees them: one method per Task SDK call.

A task has no metadata-database access in Airflow 3: it asks the supervisor, which asks the API server's
execution API (the same calls the standard provider's TriggerDagRunOperator and DagStateTrigger make).
So this hook works only inside a running task (or a trigger), never at parse time.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.common.compat.sdk import BaseHook


def _value(state: Any) -> str:
    """'success', not 'DagRunState.SUCCESS': the Task SDK answers with the enum."""
    return str(getattr(state, "value", state))


class DagRunHook(BaseHook):
    """Count, state and dates of DAG runs by DAG id and run id."""

    hook_name = "DAG runs (Task SDK)"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)

    @staticmethod
    def _runtime():
        from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

        return RuntimeTaskInstance

    def count(self, dag_id: str, *, run_ids: list[str] | None = None, states: list[str] | None = None) -> int:
        """How many runs of ``dag_id`` match (GetDRCount)."""
        return self._runtime().get_dr_count(dag_id=dag_id, run_ids=run_ids, states=states)

    def state(self, dag_id: str, run_id: str) -> str | None:
        """The run's state (queued, running, success, failed), or None when there is no such run."""
        if not self.count(dag_id, run_ids=[run_id]):
            return None
        return _value(self._runtime().get_dagrun_state(dag_id=dag_id, run_id=run_id))

    def details(self, dag_id: str, run_id: str) -> dict[str, Any] | None:
        """State and dates of the run (GetDagRun), or None when there is no such run."""
        if not self.count(dag_id, run_ids=[run_id]):
            return None
        from airflow.sdk.execution_time.comms import GetDagRun
        from airflow.sdk.execution_time.task_runner import SUPERVISOR_COMMS

        run = SUPERVISOR_COMMS.send(GetDagRun(dag_id=dag_id, run_id=run_id))
        return {
            "run_id": run.run_id,
            "state": _value(run.state),
            "start_date": run.start_date,
            "end_date": run.end_date,
        }
