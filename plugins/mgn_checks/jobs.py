"""What an MGN job's outcome means, and what to tell a person when a launch failed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# JobStatus has no FAILED: failure is per participating server (a COMPLETED job can hold failed launches).
EXPECTED_SERVER_STATUS = {"LAUNCH": "LAUNCHED", "TERMINATE": "TERMINATED"}

NEXT_STEP = {
    "START_TEST": (
        "fix the cause shown in the job log (launch template, subnet, instance type, quotas), then revert the "
        "servers to READY_FOR_TEST (ChangeServerLifeCycleState), terminate any launched test instances and "
        "start a new DAG run. An Airflow retry of the launch task reuses this job: it never relaunches."
    ),
    "START_CUTOVER": (
        "keep traffic on the source: run the wave's rollback (servers back to READY_FOR_CUTOVER, terminate "
        "the cutover instances, DNS to the recorded original), fix the cause shown in the job log, then start "
        "a new DAG run. An Airflow retry of the cutover task reuses this job: it never relaunches."
    ),
    "TERMINATE": (
        "look at the instance in EC2 (termination protection, an instance already gone, permissions), then "
        "clear this task to terminate again."
    ),
}


@dataclass
class JobOutcome:
    job_id: str
    status: str
    job_type: str
    initiated_by: str
    done: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    instances: dict[str, str] = field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        return self.status == "COMPLETED" and not self.failed and not self.pending

    @property
    def finished(self) -> bool:
        return self.status == "COMPLETED" or bool(self.failed)


def evaluate_job(job: dict[str, Any]) -> JobOutcome:
    job_type = job.get("type", "LAUNCH")
    expected = EXPECTED_SERVER_STATUS.get(job_type, "LAUNCHED")
    outcome = JobOutcome(
        job_id=job["jobID"],
        status=job.get("status", "PENDING"),
        job_type=job_type,
        initiated_by=job.get("initiatedBy", ""),
    )
    for server in job.get("participatingServers", []):
        server_id, status = server["sourceServerID"], server.get("launchStatus", "PENDING")
        if status == "FAILED":
            outcome.failed.append(server_id)
        elif status == expected:
            outcome.done.append(server_id)
            if server.get("launchedEc2InstanceID"):
                outcome.instances[server_id] = server["launchedEc2InstanceID"]
        else:
            outcome.pending.append(server_id)
    return outcome


def failure_message(outcome: JobOutcome, log_items: list[dict[str, Any]]) -> str:
    """Name the failed servers, quote their job log and say what to do next."""
    lines = [
        f"MGN job {outcome.job_id} ({outcome.initiated_by or outcome.job_type}, status {outcome.status}): "
        f"failed for {', '.join(outcome.failed) or 'no server'}"
        + (f"; not finished for {', '.join(outcome.pending)}" if outcome.pending else "")
        + "."
    ]
    wanted = set(outcome.failed) | set(outcome.pending)
    for item in log_items:
        data = item.get("eventData") or {}
        server = data.get("sourceServerID")
        if server and server not in wanted:
            continue
        detail = f" {data['rawError']}" if data.get("rawError") else ""
        lines.append(
            f"  {item.get('logDateTime', '')} {item.get('event', '')} {server or ''}{detail}".rstrip()
        )
    lines.append("Next step: " + NEXT_STEP.get(outcome.initiated_by, NEXT_STEP["START_TEST"]))
    return "\n".join(lines)


def describe_outcome(hook: Any, job_id: str) -> JobOutcome:
    """The job's outcome as MGN describes it now; a job MGN does not know is an error."""
    from airflow.providers.common.compat.sdk import AirflowException

    job = hook.describe_job(job_id)
    if job is None:
        raise AirflowException(f"MGN job {job_id} not found (wrong region or account?)")
    return evaluate_job(job)


def verdict(hook: Any, outcome: JobOutcome) -> dict[str, str]:
    """
    ``{source_server_id: ec2_instance_id}`` of a job that worked on every server; else raise with the
    failed servers, their job log and the next step (the log is fetched only on failure):
    AirflowFailException (no Airflow retry) when a server failed, AirflowException when one is unfinished.
    """
    from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

    if outcome.succeeded:
        return outcome.instances
    message = failure_message(outcome, hook.describe_job_log_items(outcome.job_id))
    # A failed launch is final (retrying the wait changes nothing); a job still running may yet finish.
    raise AirflowFailException(message) if outcome.failed else AirflowException(message)


def job_result(hook: Any, job_id: str) -> dict[str, str]:
    """The verdict on a job that stopped moving (after a waiter or a trigger fired)."""
    return verdict(hook, describe_outcome(hook, job_id))
