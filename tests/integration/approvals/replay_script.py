"""Replay the approval-gate races against real Airflow code, deterministically, in its own process.

A script, run by test_gate_race_replay.py: Airflow reads AIRFLOW_HOME and the metadata DB at import, so they
are set before anything imports it. It loads the demo plan's wave DAG from dags/ into a fresh SQLite
metadata DB, then for each scenario creates a run whose approval gate is parked in `awaiting_input` (as the
Execution API's park transition leaves it), answers it (as the HITL route does), lets the scheduler queue
the resumed task to the executor, and only then delivers the executor's SUCCESS event of the worker that
parked it: the late event of Airflow 3.3's race. The scheduler's own `process_executor_events` handles it.
Prints one JSON line: per scenario, the gate's state afterwards and the "state mismatch" log lines.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
DAG_ID, GATE = "demo__wave__shop", "approve_cutover"


def configure() -> Path:
    home = Path(tempfile.mkdtemp(prefix="gate-race-replay-"))
    plans = home / "plans"
    plans.mkdir()
    shutil.copy(REPO / "include" / "plans" / "demo.yaml", plans / "demo.yaml")
    os.environ.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
            "MIGRATION_PLANS_DIR": str(plans),
        }
    )
    return home


class _Stack:
    """The scheduler with a LocalExecutor whose workers never start: workloads are handed over, not run."""

    def __init__(self, session) -> None:
        from airflow.executors.local_executor import LocalExecutor
        from airflow.jobs.job import Job
        from airflow.jobs.scheduler_job_runner import SchedulerJobRunner

        class HandOverExecutor(LocalExecutor):
            handed_over: list = []

            def _process_workloads(self, workload_list):  # LocalExecutor's bookkeeping, no worker
                for workload in workload_list:
                    self.queued_tasks.pop(workload.key)
                    self.handed_over.append(workload.key)

        self.executor = HandOverExecutor(parallelism=4)
        self.job = Job()
        session.add(self.job)
        session.flush()
        self.job_id = self.job.id
        self.runner = SchedulerJobRunner(self.job, executors=[self.executor])

    def process_events(self, session) -> None:
        from airflow.jobs.scheduler_job_runner import SchedulerJobRunner

        SchedulerJobRunner.process_executor_events(
            executor=self.executor,
            job_id=self.job_id,
            scheduler_dag_bag=self.runner.scheduler_dag_bag,
            session=session,
        )
        session.flush()


def parked_gate(stack: _Stack, run_id: str, session, *, next_method: str | None = "execute_complete"):
    """A wave run whose gate is parked in awaiting_input, with its HITL request, queued by this scheduler."""
    from airflow.models.hitl import HITLDetail
    from airflow.sdk import timezone
    from airflow.utils.state import DagRunState, TaskInstanceState
    from airflow.utils.types import DagRunTriggeredByType, DagRunType

    dag = stack.runner.scheduler_dag_bag.get_latest_version_of_dag(DAG_ID, session=session)
    run = dag.create_dagrun(
        run_id=run_id,
        run_after=timezone.utcnow(),
        run_type=DagRunType.MANUAL,
        triggered_by=DagRunTriggeredByType.TEST,
        state=DagRunState.RUNNING,
        session=session,
    )
    ti = run.get_task_instance(GATE, session=session)
    ti.try_number = 1
    ti.queued_by_job_id = stack.job_id
    ti.state = TaskInstanceState.AWAITING_INPUT if next_method else TaskInstanceState.QUEUED
    ti.next_method, ti.next_kwargs = next_method, {}
    task = dag.get_task(GATE)
    session.add(
        HITLDetail(
            ti_id=ti.id,
            options=["Approve", "Reject"],
            subject=task.subject,
            defaults=["Reject"],
            multiple=False,
            params={},
            assignees=[{"id": "alice", "name": "alice"}, {"id": "bob", "name": "bob"}],
        )
    )
    session.commit()
    return ti


def answer(ti_id, user: str, option: str, session) -> int:
    """The HITL route itself (update_hitl_detail), as `user`; returns the HTTP status."""
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from airflow.api_fastapi.core_api.datamodels.hitl import UpdateHITLDetailPayload
    from airflow.api_fastapi.core_api.routes.public.hitl import update_hitl_detail
    from airflow.models.taskinstance import TaskInstance
    from fastapi import HTTPException

    ti = session.get(TaskInstance, ti_id)
    try:
        update_hitl_detail(
            dag_id=ti.dag_id,
            dag_run_id=ti.run_id,
            task_id=ti.task_id,
            update_hitl_detail_payload=UpdateHITLDetailPayload(chosen_options=[option], params_input={}),
            user=SimpleAuthManagerUser(username=user, role="user"),
            session=session,
            map_index=-1,
        )
    except HTTPException as exc:
        session.rollback()
        return exc.status_code
    session.commit()
    return 200


def stale_success(stack: _Stack, ti, session) -> None:
    """The executor event of the worker that parked the gate (LocalExecutor's result-queue path)."""
    from airflow.utils.state import TaskInstanceState

    stack.executor.change_state(ti.key, TaskInstanceState.SUCCESS)
    stack.process_events(session)


def outcome(ti_id, session) -> dict:
    from airflow.models.hitl import HITLDetail
    from airflow.models.log import Log
    from airflow.models.taskinstance import TaskInstance
    from sqlalchemy import select

    session.expire_all()
    ti = session.get(TaskInstance, ti_id)
    mismatches = session.scalars(
        select(Log.extra).where(Log.event == "state mismatch", Log.run_id == ti.run_id)
    ).all()
    detail = session.get(HITLDetail, ti_id)
    return {
        "state": str(ti.state),
        "mismatch": list(mismatches),
        "responded_by": (detail.responded_by or {}).get("name") if detail else None,
        "chosen": detail.chosen_options if detail else None,
    }


def scenario(stack: _Stack, name: str, session) -> dict:
    """Answer the parked gate, move the resumed task as far as `name` says, then deliver the late event."""
    from airflow.utils.state import TaskInstanceState

    ti = parked_gate(stack, f"replay_{name}", session)
    status = answer(ti.id, "alice", "Approve", session)
    if name in ("queued", "running"):
        stack.runner._critical_section_enqueue_task_instances(session=session)  # scheduled -> queued
        stack.executor.trigger_tasks(open_slots=4)  # handed to a worker
        session.commit()
    if name == "running":  # the resumed attempt has started (Execution API ti_run)
        ti = session.get(type(ti), ti.id)
        ti.state = TaskInstanceState.RUNNING
        session.commit()
    stale_success(stack, session.get(type(ti), ti.id), session)
    session.commit()
    return {"answer_status": status, **outcome(ti.id, session)}


def killed_externally(stack: _Stack, session) -> dict:
    """Control: a queued task that was never parked, and whose worker exited: still failed, as before."""
    ti = parked_gate(stack, "replay_killed", session, next_method=None)
    stale_success(stack, ti, session)
    session.commit()
    return outcome(ti.id, session)


def racing_answers(stack: _Stack, session_factory) -> dict:
    """Bob's request read the gate before Alice's answer was committed, then got the row lock after it."""
    with session_factory() as setup:
        ti_id = parked_gate(stack, "replay_two_answers", setup).id
    bob = session_factory()
    from airflow.api_fastapi.core_api.routes.public.hitl import _get_task_instance_with_hitl_detail

    # The route's unlocked read: the rows stay in Bob's identity map (held, as the route holds them).
    read_before = _get_task_instance_with_hitl_detail(DAG_ID, "replay_two_answers", GATE, bob, map_index=-1)
    with session_factory() as alice:
        alice_status = answer(ti_id, "alice", "Approve", alice)
    bob_status = answer(read_before.id, "bob", "Reject", bob)
    bob.close()
    with session_factory() as check:
        return {"alice": alice_status, "bob": bob_status, **outcome(ti_id, check)}


def main() -> None:
    configure()
    sys.path[:0] = [str(REPO / "include"), str(REPO / "plugins"), str(REPO)]
    from airflow.api_fastapi.app import create_auth_manager
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db
    from airflow.settings import Session
    from airflow.utils import db

    db.initdb()
    DagBundlesManager().sync_bundles_to_db()
    bag = DagBag(str(REPO / "dags"), bundle_path=REPO / "dags", bundle_name="dags-folder")
    if DAG_ID not in bag.dags:
        raise SystemExit(f"{DAG_ID} not in dags/: {bag.import_errors}")
    sync_bag_to_db(bag, "dags-folder", None)
    create_auth_manager()
    results = {}
    with Session() as session:
        stack = _Stack(session)
        session.commit()
        for name in ("scheduled", "queued", "running"):
            results[name] = scenario(stack, name, session)
        results["killed_externally"] = killed_externally(stack, session)
    results["two_answers"] = racing_answers(stack, Session.session_factory)  # independent sessions
    print(json.dumps(results))


if __name__ == "__main__":
    main()
