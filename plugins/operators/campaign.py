"""A campaign's steps: start a wave's (or database's) DAG run, and wait for it without a worker slot.

Each wave runs as a DAG run of its own wave DAG, so its gates, rollback and history stay there. The start
task is the standard provider's TriggerDagRunOperator under a deterministic run id (``campaign__try<n>``,
campaign_checks/runs.py); before triggering it looks at the runs the campaign already started, so a
resumed campaign never runs a finished wave again and never starts a second run of one in flight. The
wait task defers to the standard provider's DagStateTrigger (the triggerer polls; no worker slot is held
while the wave runs, however many days that takes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowFailException, BaseOperator
from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from campaign_checks.runs import Step, latest_attempt, next_step
from hooks.dag_runs import DagRunHook
from shared.retry import with_retry_defaults

if TYPE_CHECKING:
    from airflow.sdk import Context

SUCCESS, FAILED = "success", "failed"


def campaign_step(hook: DagRunHook, dag_id: str) -> Step:
    """What the campaign does next with ``dag_id``, from the runs it started before (and any success)."""
    latest = latest_attempt(lambda run_id: hook.state(dag_id, run_id))
    if latest.state in (SUCCESS, "queued", "running"):
        return next_step(latest, 0)
    return next_step(latest, hook.count(dag_id, states=[SUCCESS]))


class CampaignStartRunOperator(TriggerDagRunOperator):
    """
    Start the next campaign attempt of ``trigger_dag_id``, unless it succeeded already or a run is in
    flight. Returns ``{"action": "done"|"wait"|"start", "run_id": ...}`` (a start returns through the
    provider's trigger path: XCom ``trigger_run_id``).

    :param trigger_dag_id: the wave or database DAG.
    """

    def __init__(self, *, trigger_dag_id: str, **kwargs: Any) -> None:
        kwargs["wait_for_completion"] = False  # the wait task waits, deferred
        # A paused wave DAG would leave its run queued and the campaign waiting forever: fail, saying so.
        kwargs.setdefault("fail_when_dag_is_paused", True)
        super().__init__(trigger_dag_id=trigger_dag_id, **with_retry_defaults(kwargs))

    def execute(self, context: Context):
        step = campaign_step(DagRunHook(), self.trigger_dag_id)
        self.log.info("%s: %s", self.trigger_dag_id, step.reason)
        if step.action != "start":
            return {"action": step.action, "run_id": step.run_id}
        ti = context["ti"]
        self.trigger_run_id = step.run_id
        self.conf = {**(self.conf or {}), "campaign_dag_id": ti.dag_id, "campaign_run_id": ti.run_id}
        self.note = f"Started by campaign {ti.dag_id}, run {ti.run_id}"
        return super().execute(context)  # raises DagRunTriggerException: the task runner triggers it


class CampaignWaitRunOperator(BaseOperator):
    """
    Wait for the campaign's run of ``run_dag_id`` to finish, deferred; fail when it failed.

    :param run_dag_id: the wave or database DAG started upstream by CampaignStartRunOperator.
    :param poll_interval: seconds between two looks of the triggerer at the run's state.
    """

    template_fields = ("run_dag_id",)
    ui_color = "#ffefeb"

    def __init__(self, *, run_dag_id: str, poll_interval: float = 30, **kwargs: Any) -> None:
        super().__init__(**with_retry_defaults(kwargs))
        self.run_dag_id = run_dag_id
        self.poll_interval = poll_interval

    def execute(self, context: Context):
        step = campaign_step(DagRunHook(), self.run_dag_id)
        self.log.info("%s: %s", self.run_dag_id, step.reason)
        if step.action == "done":
            return {"run_id": step.run_id, "state": SUCCESS}
        if step.action == "start":
            raise AirflowFailException(
                f"{self.run_dag_id}: nothing to wait for ({step.reason}). A failed wave has rolled back: see "
                "its run, fix the cause, then resume the campaign (trigger it again, or clear this run)."
            )
        from airflow.providers.standard.triggers.external_task import DagStateTrigger

        self.defer(
            trigger=DagStateTrigger(
                dag_id=self.run_dag_id,
                states=[SUCCESS, FAILED],
                run_ids=[step.run_id],
                poll_interval=self.poll_interval,
            ),
            method_name="execute_complete",
        )

    def execute_complete(self, context: Context, event: tuple[str, dict[str, Any]]):
        _, data = event
        (run_id,) = data["run_ids"]
        state = str(data.get(run_id))
        if state != SUCCESS:
            raise AirflowFailException(
                f"{self.run_dag_id} run {run_id} ended {state}: the campaign stops here. See that run (its "
                "rollback), fix the cause, then resume the campaign: finished waves are not run again."
            )
        self.log.info("%s run %s succeeded", self.run_dag_id, run_id)
        return {"run_id": run_id, "state": state}
