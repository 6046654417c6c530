"""StartTest and StartCutover: one job for the whole wave, and a retry reuses the job this run started."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from airflow.providers.common.compat.sdk import AirflowFailException
from mgn_checks.provenance import parse_time, run_started, started_by, untagged

from operators.mgn.job_base import MgnJobOperator
from operators.mgn.wave_base import lifecycle_state

if TYPE_CHECKING:
    from airflow.sdk import Context


class _MgnLaunchOperator(MgnJobOperator):
    """StartTest / StartCutover with reuse of the job this run already started."""

    kind: ClassVar[str]
    lifecycle_key: ClassVar[str]
    reached_states: ClassVar[frozenset[str]]
    refused_states: ClassVar[frozenset[str]] = frozenset()

    def start(self, source_server_ids: list[str], tags: dict[str, str]) -> dict[str, Any]:
        raise NotImplementedError

    def jobs_of_this_run(self, initiated: dict[str, dict[str, Any]], context: Context) -> set[str]:
        """
        The servers' last jobs that this DAG run started: tagged with its dag/run id (exact, and stable when
        the task is cleared), or, for a job without our tags, initiated since the run began.
        """
        known = sorted({i["jobID"] for i in initiated.values() if i.get("jobID")})
        jobs = self.hook.describe_jobs(known) if known else []
        mine = self.job_tags(context)
        ours = {j["jobID"] for j in jobs if started_by(j, mine)}
        without_tags = {j["jobID"] for j in jobs if untagged(j)}
        since = run_started(context.get("dag_run"))
        ours |= {
            i["jobID"]
            for i in initiated.values()
            if i.get("jobID") in without_tags
            and since
            and (t := parse_time(i.get("apiCallDateTime")))
            and t >= since
        }
        return ours

    def job_to_reuse(self, servers: dict[str, dict[str, Any]], context: Context) -> str | None:
        """
        The job every server's ``lifeCycle.<last launch>.initiated`` points to, when this run started it or
        the servers already reached the launch's state; None when a new launch is due. Raises when the wave
        is half launched, rather than guess.
        """
        initiated = {
            sid: s.get("lifeCycle", {}).get(self.lifecycle_key, {}).get("initiated") or {}
            for sid, s in servers.items()
        }
        states = {lifecycle_state(s) for s in servers.values()}
        if refused := states & self.refused_states:
            raise AirflowFailException(
                f"Refusing a {self.kind} launch: servers are already {sorted(refused)}."
            )
        job_ids = {i.get("jobID") for i in initiated.values()}
        ours = self.jobs_of_this_run(initiated, context)
        if len(job_ids) == 1 and None not in job_ids:
            (job_id,) = job_ids
            if states <= self.reached_states or job_id in ours:
                return job_id
        if ours or states <= self.reached_states:
            by_job = {sid: (i.get("jobID"), lifecycle_state(servers[sid])) for sid, i in initiated.items()}
            raise AirflowFailException(
                f"Refusing a second {self.kind} launch: the wave's servers disagree about their last "
                f"{self.kind} job (server: (job, lifecycle)) {by_job}. Revert them to a READY_FOR_* state and "
                "terminate their instances (the rollback DAG does this), then start a new run."
            )
        return None

    def execute(self, context: Context) -> str:
        servers = self.describe_wave()
        job_id = self.job_to_reuse(servers, context)
        if job_id:
            self.log.info(
                "Reusing MGN %s job %s started earlier for this wave: not launching again.", self.kind, job_id
            )
        else:
            job_id = self.start_job(
                lambda: self.start(list(servers), self.job_tags(context)),
                lambda: self.job_to_reuse(self.describe_wave(), context),
            )
            self.log.info("Started MGN %s job %s for %d servers.", self.kind, job_id, len(servers))
        return self.finish(context, job_id)


class MgnStartTestOperator(_MgnLaunchOperator):
    """
    Launch test instances for the whole wave in one MGN job; returns the job ID.

    :param source_server_ids: the wave's source server IDs.
    :param wait_for_completion: wait for the job (else use MgnJobCompleteSensor downstream).
    :param tags: extra tags for the job; the DAG/run/task IDs are always added.
    """

    kind = "test"
    lifecycle_key = "lastTest"
    reached_states = frozenset({"TESTING"})
    refused_states = frozenset({"CUTTING_OVER", "CUTOVER"})

    def start(self, source_server_ids: list[str], tags: dict[str, str]) -> dict[str, Any]:
        return self.hook.start_test(source_server_ids, tags=tags)


class MgnStartCutoverOperator(_MgnLaunchOperator):
    """
    Launch cutover instances for the whole wave in one MGN job; returns the job ID.

    Servers must be READY_FOR_CUTOVER with their test instances terminated (MgnChangeServerLifeCycleState,
    then MgnTerminateTargetInstances).
    """

    kind = "cutover"
    lifecycle_key = "lastCutover"
    reached_states = frozenset({"CUTTING_OVER", "CUTOVER"})

    def start(self, source_server_ids: list[str], tags: dict[str, str]) -> dict[str, Any]:
        return self.hook.start_cutover(source_server_ids, tags=tags)
