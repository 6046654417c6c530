"""Jobs: StartTest / StartCutover (LAUNCH) and TerminateTargetInstances (TERMINATE), run by the Launcher;
DescribeJobs, DescribeJobLogItems, DeleteJob."""

from __future__ import annotations

import time
from typing import Any

from sandbox.mgn.handlers.common import (
    Mgn,
    Result,
    active_job_of,
    conflict,
    invalid,
    matching,
    not_found,
    paginate,
    servers_for_batch,
)
from sandbox.mgn.model import Job, SourceServer, iso, new_id, parse_iso
from sandbox.shapes import prune


def new_job(
    mgn: Mgn, job_type: str, initiated_by: str, servers: list[SourceServer], tags: dict[str, str]
) -> Job:
    job_id = new_id("mgnjob-")
    job = Job(
        id=job_id,
        arn=mgn.store.arn("job", job_id),
        type=job_type,
        initiated_by=initiated_by,
        created_at=time.time(),
        servers=[{"sourceServerID": s.id, "launchStatus": "PENDING"} for s in servers],
        tags=dict(tags or {}),
    )
    mgn.store.jobs[job_id] = job
    return job


def start_launch(mgn: Mgn, body: dict[str, Any], initiated_by: str) -> Result:
    servers = servers_for_batch(mgn, body["sourceServerIDs"])
    eligible = (
        {"READY_FOR_TEST", "TESTING", "READY_FOR_CUTOVER"}
        if initiated_by == "START_TEST"
        else {"READY_FOR_CUTOVER"}
    )
    problems: list[tuple[str, str]] = []
    for server in servers:
        job = active_job_of(mgn, server.id)
        if server.is_archived:
            problems.append((server.id, "the source server is archived"))
        elif not server.launchable or server.replication_state in ("STOPPED", "DISCONNECTED"):
            problems.append((server.id, f"not ready for launch (replication {server.replication_state})"))
        elif server.life_cycle_state not in eligible:
            problems.append(
                (server.id, f"life cycle state {server.life_cycle_state} does not allow this launch")
            )
        elif job is not None:
            problems.append((server.id, f"already in job {job.id} ({job.status})"))
    if problems:
        raise conflict(
            "Some source servers cannot be launched: " + "; ".join(f"{i}: {w}" for i, w in problems),
            problems,
        )
    job = new_job(mgn, "LAUNCH", initiated_by, servers, body.get("tags") or {})
    stamp = iso(job.created_at)
    for server in servers:
        job.prior_states[server.id] = server.life_cycle_state
        if initiated_by == "START_TEST":
            server.life_cycle_state = "TESTING"
            server.last_test = {"initiated": {"apiCallDateTime": stamp, "jobID": job.id}}
        else:
            server.life_cycle_state = "CUTTING_OVER"
            server.last_cutover = {"initiated": {"apiCallDateTime": stamp, "jobID": job.id}}
    mgn.store.save()
    mgn.launcher.run(job.id)
    return 202, {"job": job.to_api()}


def start_test(mgn: Mgn, body: dict[str, Any]) -> Result:
    return start_launch(mgn, body, "START_TEST")


def start_cutover(mgn: Mgn, body: dict[str, Any]) -> Result:
    return start_launch(mgn, body, "START_CUTOVER")


def terminate_target_instances(mgn: Mgn, body: dict[str, Any]) -> Result:
    servers = servers_for_batch(mgn, body["sourceServerIDs"])
    problems = []
    for server in servers:
        job = active_job_of(mgn, server.id)
        if server.life_cycle_state in ("TESTING", "CUTTING_OVER", "CUTOVER"):
            problems.append(
                (
                    server.id,
                    f"life cycle state {server.life_cycle_state} does not allow terminating its instances",
                )
            )
        elif job is not None:
            problems.append((server.id, f"already in job {job.id} ({job.status})"))
    if problems:
        raise conflict(
            "Cannot terminate target instances: " + "; ".join(f"{i}: {w}" for i, w in problems), problems
        )
    job = new_job(mgn, "TERMINATE", "TERMINATE", servers, body.get("tags") or {})
    mgn.store.save()
    mgn.launcher.run(job.id)
    return 202, {"job": job.to_api()}


def describe_jobs(mgn: Mgn, body: dict[str, Any]) -> Result:
    filters = body.get("filters") or {}
    jobs = matching(list(mgn.store.jobs.values()), filters, "jobIDs")
    try:
        start = parse_iso(filters["fromDate"]) if filters.get("fromDate") else None
        end = parse_iso(filters["toDate"]) if filters.get("toDate") else None
    except ValueError as exc:  # matches the pattern yet is no date, like February 30th
        raise invalid(f"Invalid date: {exc}", [("filters", str(exc))]) from exc
    if start is not None:
        jobs = [j for j in jobs if parse_iso(iso(j.created_at) or "") >= start]
    if end is not None:
        jobs = [j for j in jobs if parse_iso(iso(j.created_at) or "") <= end]
    page = paginate(jobs, body)
    page["items"] = [j.to_api() for j in page["items"]]
    return 200, page


def describe_job_log_items(mgn: Mgn, body: dict[str, Any]) -> Result:
    job = mgn.store.jobs.get(body["jobID"])
    if job is None:
        raise invalid(f"Job {body['jobID']} not found", [("jobID", "not found")])
    page = paginate([prune(item) for item in job.log], body)
    return 200, page


def delete_job(mgn: Mgn, body: dict[str, Any]) -> Result:
    job = mgn.store.jobs.get(body["jobID"])
    if job is None:
        raise not_found("JOB", body["jobID"])
    if job.status != "COMPLETED":
        raise conflict(
            f"Job {job.id} is {job.status}: only completed jobs can be deleted", resource_type="JOB"
        )
    del mgn.store.jobs[job.id]
    return 204, None


OPERATIONS = {
    "StartTest": start_test,
    "StartCutover": start_cutover,
    "TerminateTargetInstances": terminate_target_instances,
    "DescribeJobs": describe_jobs,
    "DescribeJobLogItems": describe_job_log_items,
    "DeleteJob": delete_job,
}
