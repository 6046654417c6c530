"""Replication tasks: create/modify/delete (timed status sequences), start/stop/reload (`TaskRuns`) and
their table statistics."""

from __future__ import annotations

import logging
import time
from typing import Any

from sandbox.dms.cdc_phase import drop_cdc
from sandbox.dms.databases import database
from sandbox.dms.engine import DmsEngineError, TableMappings, TaskSettings
from sandbox.dms.handlers.common import (
    Dms,
    already_exists,
    bad_state,
    check_identifier,
    created,
    described,
    endpoint,
    filters,
    instance,
    invalid,
    page,
    task,
    view,
)

_OPTIONAL = ("CdcStartPosition", "CdcStopPosition", "TaskData")

log = logging.getLogger(__name__)


def _documents(mappings: str | None, settings: str | None) -> str | None:
    """Check the mappings; the settings merged over the defaults (None when not given)."""
    try:
        if mappings is not None:
            TableMappings.parse(mappings)
        return TaskSettings.parse(settings).to_json() if settings is not None else None
    except DmsEngineError as exc:
        raise invalid(str(exc)) from exc


def _endpoints_of(dms: Dms, found: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    return endpoint(dms, found["SourceEndpointArn"]), endpoint(dms, found["TargetEndpointArn"])


def _unique_identifier(dms: Dms, ident: str, other_than: dict[str, Any] | None = None) -> str:
    check_identifier(ident, "ReplicationTaskIdentifier")
    ident = ident.lower()
    if any(
        t is not other_than and t["ReplicationTaskIdentifier"] == ident
        for t in dms.store.state.tasks.values()
    ):
        raise already_exists(f"Replication task {ident} already exists")
    return ident


def create_replication_task(dms: Dms, body: dict[str, Any]) -> dict[str, Any]:
    ident = _unique_identifier(dms, body["ReplicationTaskIdentifier"])
    source, target = endpoint(dms, body["SourceEndpointArn"]), endpoint(dms, body["TargetEndpointArn"])
    inst = instance(dms, body["ReplicationInstanceArn"])
    if source["EndpointType"] != "SOURCE":
        raise invalid(f"Endpoint {source['EndpointIdentifier']} is not a source endpoint")
    if target["EndpointType"] != "TARGET":
        raise invalid(f"Endpoint {target['EndpointIdentifier']} is not a target endpoint")
    if inst["ReplicationInstanceStatus"] != "available":
        raise bad_state(f"Replication instance {inst['ReplicationInstanceIdentifier']} is not available")
    settings = _documents(body["TableMappings"], body.get("ReplicationTaskSettings") or "{}")
    now = time.time()
    task_arn = dms.store.arn("task")
    new: dict[str, Any] = {
        "ReplicationTaskIdentifier": ident,
        "SourceEndpointArn": source["EndpointArn"],
        "TargetEndpointArn": target["EndpointArn"],
        "ReplicationInstanceArn": inst["ReplicationInstanceArn"],
        "MigrationType": body["MigrationType"],
        "TableMappings": body["TableMappings"],
        "ReplicationTaskSettings": settings,
        "Status": "creating",
        "ReplicationTaskCreationDate": now,
        "ReplicationTaskArn": task_arn,
        "_ready_at": now + dms.timings.task_create_seconds,
    }
    new.update({key: body[key] for key in _OPTIONAL if body.get(key)})
    return created(dms, "ReplicationTask", new)


def describe_replication_tasks(dms: Dms, body: dict[str, Any]) -> dict[str, Any]:
    hidden = ("ReplicationTaskSettings",) if body.get("WithoutSettings") else ()
    either = {"endpoint-arn": "SourceEndpointArn|TargetEndpointArn"}
    return described(dms, body, "ReplicationTasks", hidden, fields=either)


def modify_replication_task(dms: Dms, body: dict[str, Any]) -> dict[str, Any]:
    found = task(dms, body["ReplicationTaskArn"])
    if found["Status"] not in ("ready", "stopped", "failed"):
        raise bad_state(
            f"Replication task is {found['Status']}; it can be modified only when ready, stopped or failed"
        )
    if body.get("TableMappings"):
        _documents(body["TableMappings"], None)
        found["TableMappings"] = body["TableMappings"]
    if body.get("ReplicationTaskSettings"):
        try:
            current = TaskSettings.parse(found["ReplicationTaskSettings"])
            found["ReplicationTaskSettings"] = current.merged_with(body["ReplicationTaskSettings"]).to_json()
        except DmsEngineError as exc:
            raise invalid(str(exc)) from exc
    if body.get("ReplicationTaskIdentifier"):
        found["ReplicationTaskIdentifier"] = _unique_identifier(dms, body["ReplicationTaskIdentifier"], found)
    if body.get("MigrationType"):
        found["MigrationType"] = body["MigrationType"]
    found.update({key: body[key] for key in _OPTIONAL if body.get(key)})
    found["_after_modify"] = "ready" if found["Status"] == "ready" else "stopped"
    found["Status"] = "modifying"
    found["_ready_at"] = time.time() + dms.timings.task_modify_seconds
    return {"ReplicationTask": view(found)}


def delete_replication_task(dms: Dms, body: dict[str, Any]) -> dict[str, Any]:
    found = task(dms, body["ReplicationTaskArn"])
    if found["Status"] in ("running", "starting", "stopping", "deleting", "creating", "modifying"):
        raise bad_state(f"Replication task is {found['Status']}; stop it before deleting it")
    if found["MigrationType"] != "full-load":  # as AWS: the slot / the triggers go with the task
        _drop_cdc(dms, found)
    found["Status"] = "deleting"
    found["_gone_at"] = time.time() + dms.timings.task_delete_seconds
    return {"ReplicationTask": view(found)}


def start_replication_task(dms: Dms, body: dict[str, Any]) -> dict[str, Any]:
    found = task(dms, body["ReplicationTaskArn"])
    start_type = body["StartReplicationTaskType"]
    if start_type not in ("start-replication", "resume-processing", "reload-target"):
        raise invalid(f"Invalid StartReplicationTaskType {start_type!r}")
    if found["Status"] not in ("ready", "stopped", "failed"):
        raise bad_state(
            f"Replication task is {found['Status']}; it can be started when ready, stopped or failed"
        )
    if found["Status"] == "ready" and start_type != "start-replication":
        raise bad_state(f"Start type {start_type} is not valid for a task that has never been started")
    only: list[tuple[str, str]] | None = None
    if start_type == "resume-processing" and found.get("_tables"):
        only = [
            (t["SchemaName"], t["TableName"])
            for t in found["_tables"]
            if t["TableState"] != "Table completed"
        ]
    dms.runs.start(found, _endpoints_of(dms, found), only=only, fresh=start_type != "resume-processing")
    return {"ReplicationTask": view(found)}


def stop_replication_task(dms: Dms, body: dict[str, Any]) -> dict[str, Any]:
    found = task(dms, body["ReplicationTaskArn"])
    if found["Status"] not in ("running", "starting"):
        raise bad_state(f"Replication task is {found['Status']}, not running")
    dms.runs.request_stop(found)
    return {"ReplicationTask": view(found)}


def reload_tables(dms: Dms, body: dict[str, Any]) -> dict[str, Any]:
    found = task(dms, body["ReplicationTaskArn"])
    if found["Status"] != "running":
        raise bad_state(f"Replication task is {found['Status']}; ReloadTables needs a running task")
    tables = [(t["SchemaName"], t["TableName"]) for t in body["TablesToReload"]]
    known = {(t["SchemaName"], t["TableName"]) for t in found.get("_tables") or []}
    unknown = [f"{schema}.{name}" for schema, name in tables if (schema, name) not in known]
    if unknown:
        raise invalid(f"Tables not in the task: {', '.join(unknown)}")
    option = body.get("ReloadOption") or "data-reload"
    if option not in ("data-reload", "validate-only"):
        raise invalid(f"Invalid ReloadOption {option!r}")
    if found.get("_loading"):
        raise bad_state("The task's full load is still in progress; reload after it completes")
    dms.runs.reload(found, _endpoints_of(dms, found), tables, validate_only=option == "validate-only")
    return {"ReplicationTaskArn": found["ReplicationTaskArn"]}


def describe_table_statistics(dms: Dms, body: dict[str, Any]) -> dict[str, Any]:
    found = task(dms, body["ReplicationTaskArn"])
    chosen_by = filters(body, "TableStatistics")
    tables = [dict(t) for t in found.get("_tables") or []]
    if chosen_by:
        tables = [t for t in tables if all(str(t.get(f)) in vals for f, vals in chosen_by)]
    out = page(tables, body, "TableStatistics")
    out["ReplicationTaskArn"] = found["ReplicationTaskArn"]
    return out


OPERATIONS = {
    "CreateReplicationTask": create_replication_task,
    "DescribeReplicationTasks": describe_replication_tasks,
    "ModifyReplicationTask": modify_replication_task,
    "DeleteReplicationTask": delete_replication_task,
    "StartReplicationTask": start_replication_task,
    "StopReplicationTask": stop_replication_task,
    "ReloadTables": reload_tables,
    "DescribeTableStatistics": describe_table_statistics,
}


def _drop_cdc(dms: Dms, found: dict[str, Any]) -> None:
    source_ep = endpoint(dms, found["SourceEndpointArn"])
    try:
        source = database(dms.store, source_ep, "source")
    except Exception as exc:  # a secret that is gone: nothing can be cleaned
        log.warning(
            "DMS task %s: cannot reach its source to drop CDC resources: %s",
            found["ReplicationTaskIdentifier"],
            exc,
        )
        return
    try:
        drop_cdc(source, found, source_ep, dms.store.world.state_dir)
    except Exception as exc:  # the source is down: what is left there is the janitor's
        log.warning(
            "DMS task %s: could not drop its CDC resources: %s", found["ReplicationTaskIdentifier"], exc
        )
    finally:
        source.dispose()
