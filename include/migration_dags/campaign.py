"""The campaign DAG: every wave and database of a plan, each as a run of its own DAG, in the plan's order.

Per wave (and per database) a group ``wave__<name>`` of two tasks: ``start`` triggers the wave DAG's next
campaign attempt (or sees it is done or in flight) and ``wait`` waits for it, deferred. The edges are the
rules, so the grid shows them:

- waves start in campaign order (``campaign.order``, else the order under ``waves:``): each ``start``
  follows the one before;
- at most ``campaign.max_waves_in_flight`` (N) waves run at once: wave i starts only after wave i-N has
  finished (with the start order, every earlier wave has then finished or is among the N);
- a wave starts only after the databases it depends on have finished (cut over and past their finalize
  gate: a database can still roll back its address before that); databases start with the campaign;
- a failed wave or database stops the starts after it (upstream failed); waves in flight go on under
  their own gates. ``summary`` runs last whatever happened.

Resuming (a new campaign run, or clearing this one) starts where it stopped: see
plugins/campaign_checks/runs.py for how a run counts as finished across campaign runs.
"""

from __future__ import annotations

from airflow.sdk import DAG, TaskGroup
from airflow.task.trigger_rule import TriggerRule
from migration_plan.campaign import ordered_waves
from migration_plan.model import MigrationPlan, Wave
from migration_plan.validate import PlanResult
from operators.campaign import CampaignStartRunOperator, CampaignWaitRunOperator
from operators.campaign_summary import CampaignSummaryOperator

from migration_dags.build_common import aws_args, plan_dag_args
from migration_dags.naming import campaign_dag_id, database_dag_id, wave_dag_id


def _doc(plan: MigrationPlan, waves: list[Wave]) -> str:
    rows = "\n".join(
        f"| {i} | {w.name} | {len(w.servers)} | {', '.join(w.depends_on_databases) or '-'} |"
        for i, w in enumerate(waves, 1)
    )
    return (
        f"# Campaign of plan `{plan.plan.name}`\n\nEvery wave and database of the plan, each run as its own "
        f"DAG run (gates, rollback and history stay in the wave's DAG), at most "
        f"{plan.campaign.max_waves_in_flight} wave(s) at once, each after the databases it depends on.\n\n"
        "**Stop**: mark this run failed; no further wave starts, a wave in flight goes on under its own "
        "gates (reject there to roll it back). **Resume**: trigger the campaign again (or clear this run): "
        "finished waves are not run again, a wave in flight is waited for, a failed one runs anew.\n\n"
        f"| # | wave | servers | after databases |\n|---|---|---|---|\n{rows}\n"
    )


def _step(group_id: str, dag_id: str, poll: int) -> tuple[TaskGroup, CampaignStartRunOperator]:
    """start (trigger or find the run) >> wait (deferred until it ends), in one group."""
    with TaskGroup(group_id) as group:
        start = CampaignStartRunOperator(task_id="start", trigger_dag_id=dag_id)
        start >> CampaignWaitRunOperator(task_id="wait", run_dag_id=dag_id, poll_interval=poll)
    return group, start


def build_campaign_dag(result: PlanResult) -> DAG:
    plan = result.plan
    name, poll, limit = plan.plan.name, plan.plan.poll_interval_seconds, plan.campaign.max_waves_in_flight
    waves = ordered_waves(plan)
    dag_args = plan_dag_args(plan, campaign_dag_id(name), "campaign", doc_md=_doc(plan, waves))
    with DAG(**dag_args, max_active_runs=1) as dag:
        databases = {
            db.name: _step(f"database__{db.name}", database_dag_id(name, db.name), poll)[0]
            for db in plan.databases
        }
        groups: list[TaskGroup] = []
        starts: list[CampaignStartRunOperator] = []
        for index, wave in enumerate(waves):
            group, start = _step(f"wave__{wave.name}", wave_dag_id(name, wave.name), poll)
            if starts:
                starts[-1] >> start  # campaign order
            if index >= limit:
                groups[index - limit] >> start  # at most N in flight
            for database in wave.depends_on_databases:
                databases[database] >> start
            groups.append(group)
            starts.append(start)
        summary = CampaignSummaryOperator(
            task_id="summary",
            waves=[
                {
                    "name": w.name,
                    "dag_id": wave_dag_id(name, w.name),
                    "source_server_ids": [s.source_server_id for s in w.servers],
                }
                for w in waves
            ],
            databases=[{"name": d.name, "dag_id": database_dag_id(name, d.name)} for d in plan.databases],
            trigger_rule=TriggerRule.ALL_DONE,
            **aws_args(plan),
        )
        [*groups, *databases.values()] >> summary
    return dag
