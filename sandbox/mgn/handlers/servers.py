"""Source servers: describe, replication (start/stop/pause/resume/retry), life cycle, finalize, archive."""

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
    paginate,
    server_of,
    view,
)
from sandbox.mgn.model import ACTIVE_REPLICATION, INITIATION_STEPS, iso


def describe_source_servers(mgn: Mgn, body: dict[str, Any]) -> Result:
    filters = body.get("filters") or {}
    items = matching(list(mgn.store.servers.values()), filters, "sourceServerIDs")
    if "isArchived" in filters:
        items = [s for s in items if s.is_archived == filters["isArchived"]]
    if filters.get("replicationTypes"):
        items = [s for s in items if "AGENT_BASED" in filters["replicationTypes"]]
    if filters.get("lifeCycleStates"):
        items = [s for s in items if s.life_cycle_state in filters["lifeCycleStates"]]
    if filters.get("applicationIDs"):
        items = [s for s in items if s.application_id in set(filters["applicationIDs"])]
    now = time.time()
    page = paginate(items, body)
    page["items"] = [s.to_api(now) for s in page["items"]]
    return 200, page


def start_replication(mgn: Mgn, body: dict[str, Any]) -> Result:
    server = server_of(mgn, body["sourceServerID"])
    if server.is_archived or server.replication_state != "STOPPED":
        raise conflict(
            f"Replication of {server.id} is {server.replication_state}: it can only be started when STOPPED"
        )
    server.replication_state = "INITIATING" if not server.initial_sync_done else "CONTINUOUS"
    server.initiation_started_at = time.time()
    server.initiation_steps_done = 0
    server.replication_error = None
    return 200, view(mgn, server)


def stop_replication(mgn: Mgn, body: dict[str, Any]) -> Result:
    server = server_of(mgn, body["sourceServerID"])
    if server.replication_state not in ACTIVE_REPLICATION | {"PAUSED", "STALLED"}:
        raise conflict(f"Replication of {server.id} is {server.replication_state}: nothing to stop")
    server.replication_state = "STOPPED"
    return 200, view(mgn, server)


def pause_replication(mgn: Mgn, body: dict[str, Any]) -> Result:
    server = server_of(mgn, body["sourceServerID"])
    if server.replication_state not in ACTIVE_REPLICATION:
        raise conflict(f"Replication of {server.id} is {server.replication_state}: it cannot be paused")
    server.replication_state = "PAUSED"
    return 200, view(mgn, server)


def resume_replication(mgn: Mgn, body: dict[str, Any]) -> Result:
    server = server_of(mgn, body["sourceServerID"])
    if server.replication_state != "PAUSED":
        raise conflict(f"Replication of {server.id} is {server.replication_state}: only PAUSED resumes")
    server.replication_state = "CONTINUOUS" if server.initial_sync_done else "INITIAL_SYNC"
    return 200, view(mgn, server)


def retry_data_replication(mgn: Mgn, body: dict[str, Any]) -> Result:
    server = server_of(mgn, body["sourceServerID"])
    if server.replication_state != "STALLED":
        raise invalid(
            f"Replication of {server.id} is {server.replication_state}, not STALLED: nothing to retry"
        )
    server.replication_error = None
    if server.initiation_steps_done < len(INITIATION_STEPS):
        server.replication_state = "INITIATING"
    else:
        server.replication_state = "CONTINUOUS" if server.initial_sync_done else "INITIAL_SYNC"
    return 200, view(mgn, server)


def disconnect_from_service(mgn: Mgn, body: dict[str, Any]) -> Result:
    server = server_of(mgn, body["sourceServerID"])
    job = active_job_of(mgn, server.id)
    if job is not None:
        raise conflict(f"{server.id} takes part in job {job.id}, which is still {job.status}")
    server.replication_state = "DISCONNECTED"
    server.life_cycle_state = "DISCONNECTED"
    server.replication_error = None
    server.backlog_bytes = 0
    return 200, view(mgn, server)


def change_server_life_cycle_state(mgn: Mgn, body: dict[str, Any]) -> Result:
    server = server_of(mgn, body["sourceServerID"])
    target = body["lifeCycle"]["state"]
    current = server.life_cycle_state
    if not server.launchable:
        raise conflict(f"{server.id} is not ready: its initial sync has not completed (no lagDuration yet)")
    job = active_job_of(mgn, server.id)
    if job is not None:
        raise conflict(f"{server.id} takes part in job {job.id}, which is still {job.status}")
    allowed = {
        "READY_FOR_TEST": {"READY_FOR_TEST", "TESTING", "READY_FOR_CUTOVER"},
        "READY_FOR_CUTOVER": {"READY_FOR_CUTOVER", "TESTING", "CUTTING_OVER", "READY_FOR_TEST"},
        "CUTOVER": {"CUTTING_OVER", "CUTOVER"},
    }[target]
    if current not in allowed or server.is_archived:
        raise conflict(f"Cannot change the life cycle of {server.id} from {current} to {target}")
    stamp = iso(time.time())
    if current == "TESTING" and target == "READY_FOR_TEST":
        server.last_test["reverted"] = {"apiCallDateTime": stamp}
    elif current == "TESTING" and target == "READY_FOR_CUTOVER":
        server.last_test["finalized"] = {"apiCallDateTime": stamp}
    elif current == "CUTTING_OVER" and target == "READY_FOR_CUTOVER":
        server.last_cutover["reverted"] = {"apiCallDateTime": stamp}
    elif current == "CUTTING_OVER" and target == "CUTOVER":
        server.last_cutover["finalized"] = {"apiCallDateTime": stamp}
    server.life_cycle_state = target
    return 200, view(mgn, server)


def finalize_cutover(mgn: Mgn, body: dict[str, Any]) -> Result:
    server = server_of(mgn, body["sourceServerID"])
    launched = server.launched_instance or {}
    job = mgn.store.jobs.get(launched.get("jobID", ""))
    if server.life_cycle_state != "CUTTING_OVER" or job is None or job.initiated_by != "START_CUTOVER":
        raise conflict(
            f"{server.id} is {server.life_cycle_state} with no launched cutover instance: nothing to finalize"
        )
    if job.status != "COMPLETED":
        raise conflict(f"The cutover job {job.id} of {server.id} is still {job.status}")
    server.life_cycle_state = "CUTOVER"
    server.replication_state = "DISCONNECTED"
    server.replication_error = None
    server.backlog_bytes = 0
    server.last_cutover["finalized"] = {"apiCallDateTime": iso(time.time())}
    return 200, view(mgn, server)


def mark_as_archived(mgn: Mgn, body: dict[str, Any]) -> Result:
    server = server_of(mgn, body["sourceServerID"])
    if server.life_cycle_state not in ("CUTOVER", "DISCONNECTED"):
        raise conflict(
            f"{server.id} is {server.life_cycle_state}: only servers in CUTOVER or DISCONNECTED can be archived"
        )
    server.is_archived = True
    return 200, view(mgn, server)


OPERATIONS = {
    "DescribeSourceServers": describe_source_servers,
    "StartReplication": start_replication,
    "StopReplication": stop_replication,
    "PauseReplication": pause_replication,
    "ResumeReplication": resume_replication,
    "RetryDataReplication": retry_data_replication,
    "DisconnectFromService": disconnect_from_service,
    "ChangeServerLifeCycleState": change_server_life_cycle_state,
    "FinalizeCutover": finalize_cutover,
    "MarkAsArchived": mark_as_archived,
}
