"""TerminateTargetInstances for a wave, reusing the terminate job this very task started in this run."""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING

from airflow.providers.common.compat.sdk import AirflowFailException
from mgn_checks.provenance import TASK_TAG_KEYS, run_started, started_by

from operators.mgn.job_base import MgnJobOperator
from operators.mgn.wave_base import lifecycle_state

if TYPE_CHECKING:
    from airflow.sdk import Context


class MgnTerminateTargetInstancesOperator(MgnJobOperator):
    """
    Terminate the wave's launched (test or cutover) instances in one job; returns the job ID, or None when
    no server has an instance left.

    MGN refuses this while a server is TESTING, CUTTING_OVER or CUTOVER: change the lifecycle to
    READY_FOR_CUTOVER (or READY_FOR_TEST) first. A retry reuses the terminate job this run started.
    """

    refused_states = frozenset({"TESTING", "CUTTING_OVER", "CUTOVER"})

    def execute(self, context: Context) -> str | None:
        servers = self.describe_wave()
        refused = {
            sid: lifecycle_state(s) for sid, s in servers.items() if lifecycle_state(s) in self.refused_states
        }
        if refused:
            raise AirflowFailException(
                f"MGN refuses TerminateTargetInstances for servers in {refused}: change their lifecycle to "
                "READY_FOR_CUTOVER (MgnChangeServerLifeCycleStateOperator) first."
            )
        job_id = self._terminate_job_of_this_run(set(servers), context)
        if job_id:
            self.log.info("Reusing MGN terminate job %s started earlier in this run.", job_id)
            return self.finish(context, job_id)
        targets = [
            sid for sid, s in servers.items() if (s.get("launchedInstance") or {}).get("ec2InstanceID")
        ]
        if not targets:
            self.log.info("No server of the wave has a launched instance: nothing to terminate.")
            self.persist_links(context)
            return None
        job_id = self.start_job(
            lambda: self.hook.terminate_target_instances(targets, tags=self.job_tags(context)),
            lambda: self._terminate_job_of_this_run(set(servers), context),
        )
        self.log.info("Started MGN terminate job %s for %s.", job_id, targets)
        return self.finish(context, job_id)

    def _terminate_job_of_this_run(self, wave: set[str], context: Context) -> str | None:
        """
        A terminate job this very task started in this run (tags dag/run/task), for servers of the wave. The
        task ID matters: a wave DAG terminates twice (test instances, then cutover ones on rollback).
        """
        since = run_started(context.get("dag_run"))
        if since is None:
            return None
        mine = self.job_tags(context)
        from_date = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        jobs = [
            j
            for j in self.hook.describe_jobs(from_date=from_date)
            if j.get("type") == "TERMINATE"
            and started_by(j, mine, TASK_TAG_KEYS)
            and {p["sourceServerID"] for p in j.get("participatingServers", [])} & wave
        ]
        jobs.sort(key=lambda j: j.get("creationDateTime", ""), reverse=True)
        return jobs[0]["jobID"] if jobs else None
