"""The DMS control plane of the sandbox: JSON 1.1 (`X-Amz-Target: AmazonDMSv20160101.<Op>`).

Replication instances (creating → available), endpoints (mysql, mariadb, aurora, postgres,
aurora-postgresql and the sandbox-only sqlite, whose DatabaseName is a file path; credentials by
Username/Password or SecretsManagerSecretId read from the sandbox's Secrets Manager), real connection tests,
replication tasks that move rows with `sandbox.dms.engine`, table statistics and ReloadTables.
Errors answer HTTP 400 with `__type` (ResourceNotFoundFault, InvalidResourceStateFault,
ResourceAlreadyExistsFault, InvalidParameterValueException). Describe* calls whose filters match nothing
raise ResourceNotFoundFault, as on AWS. Passwords are never returned.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

import botocore.session

from sandbox.api.errors import ApiError
from sandbox.api.inputs import check_input, json_body
from sandbox.api.pages import marker_page
from sandbox.api.protocols import Json11
from sandbox.dms.engine import (
    Database,
    DmsEngineError,
    FullLoadRun,
    TableMappings,
    TaskSettings,
    endpoint_url,
)
from sandbox.dms.engine.connect import SUPPORTED_ENGINES
from sandbox.dms.state import DmsState, arn, resource_id
from sandbox.http import SandboxRequest, SandboxResponse

log = logging.getLogger(__name__)
_MODEL = botocore.session.get_session().get_service_model("dms")
TARGET_PREFIX = "AmazonDMSv20160101."
PROTOCOL = Json11(_MODEL)

ENGINE_DISPLAY = {
    "mysql": "MySQL",
    "mariadb": "MariaDB",
    "aurora": "Amazon Aurora MySQL",
    "postgres": "PostgreSQL",
    "aurora-postgresql": "Amazon Aurora PostgreSQL",
    "sqlite": "SQLite (sandbox)",
}


DmsError = ApiError


def not_found(message: str) -> DmsError:
    return DmsError("ResourceNotFoundFault", message)


def bad_state(message: str) -> DmsError:
    return DmsError("InvalidResourceStateFault", message)


def invalid(message: str) -> DmsError:
    return DmsError("InvalidParameterValueException", message)


class DmsService:
    """Constructed `DmsService(world)`, called `handle(request) -> response` by the sandbox server."""

    protocol = PROTOCOL

    # Timings (seconds) of the status sequences; small so tests and demos do not wait.
    instance_create_seconds = 1.0
    instance_delete_seconds = 0.5
    task_create_seconds = 0.3
    task_start_seconds = 0.3
    task_delete_seconds = 0.3
    task_modify_seconds = 0.3
    endpoint_delete_seconds = 0.2

    def __init__(self, world: Any) -> None:
        self.world = world
        self.lock = getattr(world, "lock", None) or threading.RLock()
        self.region = getattr(world, "region", "us-east-1")
        self.account_id = getattr(world, "account_id", "123456789012")
        stored = world.load_state("dms") if hasattr(world, "load_state") else None
        self.state = DmsState.from_json(stored)
        self.runs: dict[str, FullLoadRun] = {}  # task arn -> current/last run
        self.stops: dict[str, threading.Event] = {}
        self.threads: dict[str, threading.Thread] = {}

    # lifecycle (called by the server)
    def stop(self) -> None:
        for event in self.stops.values():
            event.set()
        for thread in list(self.threads.values()):
            thread.join(timeout=10)
        self.save()

    def save(self) -> None:
        if hasattr(self.world, "save_state"):
            with self.lock:
                self.world.save_state("dms", self.state.to_json())

    # protocol
    def handle(self, request: SandboxRequest) -> SandboxResponse:
        target = request.headers.get("X-Amz-Target") or ""
        op = target[len(TARGET_PREFIX) :] if target.startswith(TARGET_PREFIX) else ""
        try:
            if op not in _MODEL.operation_names:
                raise ApiError("UnknownOperationException", f"Missing or unknown X-Amz-Target {target!r}")
            handler = getattr(self, f"op_{op}", None)
            if handler is None:
                raise ApiError("InvalidAction", f"{op} is not implemented by the sandbox")
            body = json_body(request.body, PROTOCOL)
            check_input(PROTOCOL, _MODEL.operation_model(op), body)
            with self.lock:
                self._tick()
                payload = handler(body)
                self._tick()
            if op.startswith(("Create", "Delete", "Start", "Stop", "Modify", "Test", "Reload")):
                self.save()
            return PROTOCOL.ok(200, payload)
        except ApiError as error:
            return PROTOCOL.error(error)

    # time-based transitions ---------------------------------------------------------------------------
    def _tick(self) -> None:
        now = time.time()
        s = self.state
        for key, inst in list(s.instances.items()):
            if inst["ReplicationInstanceStatus"] == "creating" and now >= inst["_ready_at"]:
                inst["ReplicationInstanceStatus"] = "available"
            elif inst["ReplicationInstanceStatus"] == "deleting" and now >= inst["_gone_at"]:
                del s.instances[key]
        for key, ep in list(s.endpoints.items()):
            if ep["Status"] == "deleting" and now >= ep["_gone_at"]:
                del s.endpoints[key]
                for ckey in [c for c in s.connections if c.endswith("|" + key)]:
                    del s.connections[ckey]
        for key, task in list(s.tasks.items()):
            status = task["Status"]
            if status == "creating" and now >= task["_ready_at"]:
                task["Status"] = "ready"
            elif status == "modifying" and now >= task["_ready_at"]:
                task["Status"] = task.pop("_after_modify", "ready")
            elif status == "deleting" and now >= task["_gone_at"]:
                del s.tasks[key]
                self.runs.pop(key, None)
        self._sync_runs()

    def _sync_runs(self) -> None:
        for key, run in self.runs.items():
            task = self.state.tasks.get(key)
            if task is None:
                continue
            stats = task.setdefault("ReplicationTaskStats", {})
            stats.update(run.task_stats())
            tables = [_json_stats(t) for t in run.table_statistics()]
            task["_tables"] = tables
            # counters over every table of the task (a reload run holds only the reloaded ones)
            states = [t["TableState"] for t in tables]
            stats["TablesLoaded"] = states.count("Table completed")
            stats["TablesLoading"] = sum(st in ("Full load", "Table is being reloaded") for st in states)
            stats["TablesQueued"] = states.count("Before load")
            stats["TablesErrored"] = states.count("Table error")

    # lookups -----------------------------------------------------------------------------------------
    def _instance(self, instance_arn: str) -> dict[str, Any]:
        inst = self.state.instances.get(instance_arn)
        if inst is None:
            raise not_found(f"Replication instance {instance_arn} not found")
        return inst

    def _endpoint(self, endpoint_arn: str) -> dict[str, Any]:
        ep = self.state.endpoints.get(endpoint_arn)
        if ep is None:
            raise not_found(f"Endpoint {endpoint_arn} not found")
        return ep

    def _task(self, task_arn: str) -> dict[str, Any]:
        task = self.state.tasks.get(task_arn)
        if task is None:
            raise not_found(f"Replication task {task_arn} not found")
        return task

    @staticmethod
    def _filters(body: dict[str, Any], allowed: dict[str, str]) -> list[tuple[str, list[str]]]:
        out = []
        for f in body.get("Filters") or []:
            name = f.get("Name")
            if name not in allowed:
                raise invalid(f"Invalid filter name {name!r}; valid names: {', '.join(sorted(allowed))}")
            out.append((allowed[name], [str(v) for v in f.get("Values") or []]))
        return out

    @staticmethod
    def _select(
        items: list[dict[str, Any]], filters: list[tuple[str, list[str]]], kind: str
    ) -> list[dict[str, Any]]:
        def ok(item: dict[str, Any]) -> bool:
            for field, values in filters:
                fields = field.split("|")
                if not any(str(item.get(f)) in values for f in fields):
                    return False
            return True

        chosen = [i for i in items if ok(i)]
        if filters and not chosen:
            raise not_found(f"No {kind} found matching the filters")
        return chosen

    def _page(self, items: list[Any], body: dict[str, Any], key: str) -> dict[str, Any]:
        """`key` names the list and the operation: DescribeEndpoints pages Endpoints."""
        return marker_page(items, body, key, _MODEL.operation_model(f"Describe{key}"), PROTOCOL)

    # replication instances ---------------------------------------------------------------------------
    def _instance_view(self, inst: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in inst.items() if not k.startswith("_")}

    def op_CreateReplicationInstance(self, body: dict[str, Any]) -> dict[str, Any]:
        ident = body["ReplicationInstanceIdentifier"]
        _check_identifier(ident, "ReplicationInstanceIdentifier")
        if any(i["ReplicationInstanceIdentifier"] == ident.lower() for i in self.state.instances.values()):
            raise DmsError("ResourceAlreadyExistsFault", f"Replication instance {ident} already exists")
        now = time.time()
        rid = resource_id()
        inst_arn = arn(self.region, self.account_id, "rep", rid)
        inst = {
            "ReplicationInstanceIdentifier": ident.lower(),
            "ReplicationInstanceClass": body["ReplicationInstanceClass"],
            "ReplicationInstanceStatus": "creating",
            "AllocatedStorage": int(body.get("AllocatedStorage") or 50),
            "InstanceCreateTime": now,
            "VpcSecurityGroups": [
                {"VpcSecurityGroupId": g, "Status": "active"} for g in body.get("VpcSecurityGroupIds") or []
            ],
            "AvailabilityZone": body.get("AvailabilityZone") or f"{self.region}a",
            "PreferredMaintenanceWindow": body.get("PreferredMaintenanceWindow") or "sun:06:00-sun:06:30",
            "PendingModifiedValues": {},
            "MultiAZ": bool(body.get("MultiAZ", False)),
            "EngineVersion": body.get("EngineVersion") or "3.5.3",
            "AutoMinorVersionUpgrade": bool(body.get("AutoMinorVersionUpgrade", True)),
            "KmsKeyId": body.get("KmsKeyId") or f"arn:aws:kms:{self.region}:{self.account_id}:key/sandbox",
            "ReplicationInstanceArn": inst_arn,
            "ReplicationInstancePrivateIpAddress": "127.0.0.1",
            "ReplicationInstancePrivateIpAddresses": ["127.0.0.1"],
            "PubliclyAccessible": bool(body.get("PubliclyAccessible", False)),
            "NetworkType": body.get("NetworkType") or "IPV4",
            "_ready_at": now + self.instance_create_seconds,
        }
        self.state.instances[inst_arn] = inst
        return {"ReplicationInstance": self._instance_view(inst)}

    def op_DescribeReplicationInstances(self, body: dict[str, Any]) -> dict[str, Any]:
        filters = self._filters(
            body,
            {
                "replication-instance-arn": "ReplicationInstanceArn",
                "replication-instance-id": "ReplicationInstanceIdentifier",
                "replication-instance-class": "ReplicationInstanceClass",
                "engine-version": "EngineVersion",
            },
        )
        items = self._select(list(self.state.instances.values()), filters, "replication instances")
        return self._page([self._instance_view(i) for i in items], body, "ReplicationInstances")

    def op_DeleteReplicationInstance(self, body: dict[str, Any]) -> dict[str, Any]:
        inst = self._instance(body["ReplicationInstanceArn"])
        in_use = [
            t
            for t in self.state.tasks.values()
            if t["ReplicationInstanceArn"] == inst["ReplicationInstanceArn"]
        ]
        if in_use:
            raise bad_state(
                f"Replication instance {inst['ReplicationInstanceIdentifier']} has replication tasks; delete them first"
            )
        if inst["ReplicationInstanceStatus"] == "deleting":
            raise bad_state("Replication instance is already being deleted")
        inst["ReplicationInstanceStatus"] = "deleting"
        inst["_gone_at"] = time.time() + self.instance_delete_seconds
        return {"ReplicationInstance": self._instance_view(inst)}

    # endpoints ---------------------------------------------------------------------------------------
    def _endpoint_view(self, ep: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in ep.items() if not k.startswith("_") and k != "Password"}

    def op_CreateEndpoint(self, body: dict[str, Any]) -> dict[str, Any]:
        ident = body["EndpointIdentifier"]
        _check_identifier(ident, "EndpointIdentifier")
        engine = body["EngineName"].lower()
        if engine not in SUPPORTED_ENGINES:
            raise invalid(
                f"EngineName {body['EngineName']!r} is not supported by the sandbox; use one of "
                f"{', '.join(sorted(SUPPORTED_ENGINES))}"
            )
        etype = body["EndpointType"].lower()
        if etype not in ("source", "target"):
            raise invalid(f"EndpointType must be source or target, got {body['EndpointType']!r}")
        if any(e["EndpointIdentifier"] == ident.lower() for e in self.state.endpoints.values()):
            raise DmsError("ResourceAlreadyExistsFault", f"Endpoint {ident} already exists")
        secret = body.get("SecretsManagerSecretId") or _nested_secret(body)
        if engine == "sqlite":
            if not body.get("DatabaseName"):
                raise invalid("A sqlite endpoint needs DatabaseName: the path of the database file")
        elif not secret and not (body.get("ServerName") and body.get("Username")):
            raise invalid("ServerName and Username (or SecretsManagerSecretId) are required for this engine")
        rid = resource_id()
        ep_arn = arn(self.region, self.account_id, "endpoint", rid)
        ep: dict[str, Any] = {
            "EndpointIdentifier": ident.lower(),
            "EndpointType": etype.upper(),
            "EngineName": engine,
            "EngineDisplayName": ENGINE_DISPLAY[engine],
            "Status": "active",
            "EndpointArn": ep_arn,
            "SslMode": body.get("SslMode") or "none",
            "KmsKeyId": body.get("KmsKeyId") or f"arn:aws:kms:{self.region}:{self.account_id}:key/sandbox",
        }
        for key in (
            "Username",
            "ServerName",
            "Port",
            "DatabaseName",
            "ExtraConnectionAttributes",
            "Password",
        ):
            if body.get(key) not in (None, ""):
                ep[key] = body[key]
        if secret:
            ep["_secret"] = secret
            settings_key = (
                "PostgreSQLSettings" if engine in ("postgres", "aurora-postgresql") else "MySQLSettings"
            )
            ep[settings_key] = {"SecretsManagerSecretId": secret}
            if body.get("SecretsManagerAccessRoleArn"):
                ep[settings_key]["SecretsManagerAccessRoleArn"] = body["SecretsManagerAccessRoleArn"]
            ep[settings_key].update(
                {k: v for k, v in (body.get(settings_key) or {}).items() if k != "Password"}
            )
        self.state.endpoints[ep_arn] = ep
        return {"Endpoint": self._endpoint_view(ep)}

    def _read_secret(self, secret_id: str) -> dict[str, Any]:
        try:
            backend = self.world.moto_backend("secretsmanager")
            value = backend.get_secret_value(secret_id, None, None)
        except Exception as exc:
            raise DmsError(
                "AccessDeniedFault", f"Cannot read secret {secret_id}: {type(exc).__name__}"
            ) from exc
        try:
            data = json.loads(value.get("SecretString") or "{}")
        except ValueError as exc:
            raise invalid(f"Secret {secret_id} is not a JSON document") from exc
        if not isinstance(data, dict):
            raise invalid(f"Secret {secret_id} is not a JSON object")
        return data

    def database(self, ep: dict[str, Any], role: str) -> Database:
        """The engine-side Database of an endpoint (credentials resolved, never logged)."""
        values = {
            "server": ep.get("ServerName"),
            "port": ep.get("Port"),
            "database": ep.get("DatabaseName"),
            "username": ep.get("Username"),
            "password": ep.get("Password"),
        }
        if ep.get("_secret"):
            secret = self._read_secret(ep["_secret"])
            values["username"] = secret.get("username", values["username"])
            values["password"] = secret.get("password", values["password"])
            values["server"] = secret.get("host", values["server"])
            values["port"] = int(secret["port"]) if secret.get("port") else values["port"]
            values["database"] = values["database"] or secret.get("dbname")
        url = endpoint_url(ep["EngineName"], **values)
        return Database(url, role, ep["EndpointIdentifier"])

    def op_DescribeEndpoints(self, body: dict[str, Any]) -> dict[str, Any]:
        filters = self._filters(
            body,
            {
                "endpoint-arn": "EndpointArn",
                "endpoint-type": "EndpointType",
                "endpoint-id": "EndpointIdentifier",
                "engine-name": "EngineName",
            },
        )
        filters = [(f, [v.upper() for v in vals] if f == "EndpointType" else vals) for f, vals in filters]
        items = self._select(list(self.state.endpoints.values()), filters, "endpoints")
        return self._page([self._endpoint_view(e) for e in items], body, "Endpoints")

    def op_DeleteEndpoint(self, body: dict[str, Any]) -> dict[str, Any]:
        ep = self._endpoint(body["EndpointArn"])
        used = [
            t
            for t in self.state.tasks.values()
            if ep["EndpointArn"] in (t["SourceEndpointArn"], t["TargetEndpointArn"])
        ]
        if used:
            raise bad_state(
                f"Endpoint {ep['EndpointIdentifier']} is used by replication tasks; delete them first"
            )
        ep["Status"] = "deleting"
        ep["_gone_at"] = time.time() + self.endpoint_delete_seconds
        return {"Endpoint": self._endpoint_view(ep)}

    # connections -------------------------------------------------------------------------------------
    def op_TestConnection(self, body: dict[str, Any]) -> dict[str, Any]:
        inst = self._instance(body["ReplicationInstanceArn"])
        ep = self._endpoint(body["EndpointArn"])
        if inst["ReplicationInstanceStatus"] != "available":
            raise bad_state(
                f"Replication instance {inst['ReplicationInstanceIdentifier']} is "
                f"{inst['ReplicationInstanceStatus']}, not available"
            )
        key = f"{inst['ReplicationInstanceArn']}|{ep['EndpointArn']}"
        conn = {
            "ReplicationInstanceArn": inst["ReplicationInstanceArn"],
            "EndpointArn": ep["EndpointArn"],
            "Status": "testing",
            "EndpointIdentifier": ep["EndpointIdentifier"],
            "ReplicationInstanceIdentifier": inst["ReplicationInstanceIdentifier"],
        }
        self.state.connections[key] = conn
        role = "source" if ep["EndpointType"] == "SOURCE" else "target"

        def attempt() -> None:
            status, message = "successful", None
            try:
                db = self.database(ep, role)
                try:
                    db.check()
                finally:
                    db.dispose()
            except (DmsEngineError, DmsError) as exc:
                status, message = "failed", str(exc)
            except Exception as exc:  # never let a thread die silently
                status, message = "failed", f"{type(exc).__name__}: {exc}"
            with self.lock:
                current = self.state.connections.get(key)
                if current is conn:
                    conn["Status"] = status
                    if message:
                        conn["LastFailureMessage"] = message
                    else:
                        conn.pop("LastFailureMessage", None)
            self.save()

        threading.Thread(target=attempt, name=f"dms-test-{ep['EndpointIdentifier']}", daemon=True).start()
        return {"Connection": dict(conn)}

    def op_DescribeConnections(self, body: dict[str, Any]) -> dict[str, Any]:
        filters = self._filters(
            body, {"endpoint-arn": "EndpointArn", "replication-instance-arn": "ReplicationInstanceArn"}
        )
        items = self._select(list(self.state.connections.values()), filters, "connections")
        return self._page([dict(c) for c in items], body, "Connections")

    def op_DeleteConnection(self, body: dict[str, Any]) -> dict[str, Any]:
        key = f"{body['ReplicationInstanceArn']}|{body['EndpointArn']}"
        conn = self.state.connections.pop(key, None)
        if conn is None:
            raise not_found("Connection not found")
        return {"Connection": {**conn, "Status": "deleting"}}

    # replication tasks -------------------------------------------------------------------------------
    def _task_view(self, task: dict[str, Any], without_settings: bool = False) -> dict[str, Any]:
        view = {k: v for k, v in task.items() if not k.startswith("_")}
        if without_settings:
            view.pop("ReplicationTaskSettings", None)
        return view

    def _validate_task_documents(
        self, mappings: str | None, settings: str | None
    ) -> tuple[str | None, str | None]:
        try:
            if mappings is not None:
                TableMappings.parse(mappings)
            merged = TaskSettings.parse(settings).to_json() if settings is not None else None
        except DmsEngineError as exc:
            raise invalid(str(exc)) from exc
        return mappings, merged

    def op_CreateReplicationTask(self, body: dict[str, Any]) -> dict[str, Any]:
        ident = body["ReplicationTaskIdentifier"]
        _check_identifier(ident, "ReplicationTaskIdentifier")
        if any(t["ReplicationTaskIdentifier"] == ident.lower() for t in self.state.tasks.values()):
            raise DmsError("ResourceAlreadyExistsFault", f"Replication task {ident} already exists")
        source = self._endpoint(body["SourceEndpointArn"])
        target = self._endpoint(body["TargetEndpointArn"])
        inst = self._instance(body["ReplicationInstanceArn"])
        if source["EndpointType"] != "SOURCE":
            raise invalid(f"Endpoint {source['EndpointIdentifier']} is not a source endpoint")
        if target["EndpointType"] != "TARGET":
            raise invalid(f"Endpoint {target['EndpointIdentifier']} is not a target endpoint")
        if inst["ReplicationInstanceStatus"] != "available":
            raise bad_state(f"Replication instance {inst['ReplicationInstanceIdentifier']} is not available")
        mappings, merged = self._validate_task_documents(
            body["TableMappings"], body.get("ReplicationTaskSettings") or "{}"
        )
        now = time.time()
        task_arn = arn(self.region, self.account_id, "task", resource_id())
        task: dict[str, Any] = {
            "ReplicationTaskIdentifier": ident.lower(),
            "SourceEndpointArn": source["EndpointArn"],
            "TargetEndpointArn": target["EndpointArn"],
            "ReplicationInstanceArn": inst["ReplicationInstanceArn"],
            "MigrationType": body["MigrationType"],
            "TableMappings": mappings,
            "ReplicationTaskSettings": merged,
            "Status": "creating",
            "ReplicationTaskCreationDate": now,
            "ReplicationTaskArn": task_arn,
            "_ready_at": now + self.task_create_seconds,
        }
        for key in ("CdcStartPosition", "CdcStopPosition", "TaskData"):
            if body.get(key):
                task[key] = body[key]
        self.state.tasks[task_arn] = task
        return {"ReplicationTask": self._task_view(task)}

    def op_DescribeReplicationTasks(self, body: dict[str, Any]) -> dict[str, Any]:
        filters = self._filters(
            body,
            {
                "replication-task-arn": "ReplicationTaskArn",
                "replication-task-id": "ReplicationTaskIdentifier",
                "migration-type": "MigrationType",
                "endpoint-arn": "SourceEndpointArn|TargetEndpointArn",
                "replication-instance-arn": "ReplicationInstanceArn",
            },
        )
        items = self._select(list(self.state.tasks.values()), filters, "replication tasks")
        without = bool(body.get("WithoutSettings"))
        return self._page([self._task_view(t, without) for t in items], body, "ReplicationTasks")

    def op_ModifyReplicationTask(self, body: dict[str, Any]) -> dict[str, Any]:
        task = self._task(body["ReplicationTaskArn"])
        if task["Status"] not in ("ready", "stopped", "failed"):
            raise bad_state(
                f"Replication task is {task['Status']}; it can be modified only when ready, stopped or failed"
            )
        if body.get("TableMappings"):
            self._validate_task_documents(body["TableMappings"], None)
            task["TableMappings"] = body["TableMappings"]
        if body.get("ReplicationTaskSettings"):
            try:
                current = TaskSettings.parse(task["ReplicationTaskSettings"])
                task["ReplicationTaskSettings"] = current.merged_with(
                    body["ReplicationTaskSettings"]
                ).to_json()
            except DmsEngineError as exc:
                raise invalid(str(exc)) from exc
        if body.get("ReplicationTaskIdentifier"):
            ident = body["ReplicationTaskIdentifier"].lower()
            _check_identifier(ident, "ReplicationTaskIdentifier")
            if any(
                t is not task and t["ReplicationTaskIdentifier"] == ident for t in self.state.tasks.values()
            ):
                raise DmsError("ResourceAlreadyExistsFault", f"Replication task {ident} already exists")
            task["ReplicationTaskIdentifier"] = ident
        if body.get("MigrationType"):
            task["MigrationType"] = body["MigrationType"]
        for key in ("CdcStartPosition", "CdcStopPosition", "TaskData"):
            if body.get(key):
                task[key] = body[key]
        task["_after_modify"] = "ready" if task["Status"] == "ready" else "stopped"
        task["Status"] = "modifying"
        task["_ready_at"] = time.time() + self.task_modify_seconds
        return {"ReplicationTask": self._task_view(task)}

    def op_DeleteReplicationTask(self, body: dict[str, Any]) -> dict[str, Any]:
        task = self._task(body["ReplicationTaskArn"])
        if task["Status"] in ("running", "starting", "stopping", "deleting", "creating", "modifying"):
            raise bad_state(f"Replication task is {task['Status']}; stop it before deleting it")
        task["Status"] = "deleting"
        task["_gone_at"] = time.time() + self.task_delete_seconds
        return {"ReplicationTask": self._task_view(task)}

    def op_StartReplicationTask(self, body: dict[str, Any]) -> dict[str, Any]:
        task = self._task(body["ReplicationTaskArn"])
        start_type = body["StartReplicationTaskType"]
        if start_type not in ("start-replication", "resume-processing", "reload-target"):
            raise invalid(f"Invalid StartReplicationTaskType {start_type!r}")
        if task["Status"] not in ("ready", "stopped", "failed"):
            raise bad_state(
                f"Replication task is {task['Status']}; it can be started when ready, stopped or failed"
            )
        if task["Status"] == "ready" and start_type != "start-replication":
            raise bad_state(f"Start type {start_type} is not valid for a task that has never been started")
        only: list[tuple[str, str]] | None = None
        if start_type == "resume-processing" and task.get("_tables"):
            only = [
                (t["SchemaName"], t["TableName"])
                for t in task["_tables"]
                if t["TableState"] != "Table completed"
            ]
        self._launch(task, only=only, fresh=start_type != "resume-processing")
        return {"ReplicationTask": self._task_view(task)}

    def op_StopReplicationTask(self, body: dict[str, Any]) -> dict[str, Any]:
        task = self._task(body["ReplicationTaskArn"])
        if task["Status"] not in ("running", "starting"):
            raise bad_state(f"Replication task is {task['Status']}, not running")
        task["Status"] = "stopping"
        event = self.stops.get(task["ReplicationTaskArn"])
        if event is not None:
            event.set()
        thread = self.threads.get(task["ReplicationTaskArn"])
        if thread is None or not thread.is_alive():
            self._finish(task, "stopped", "Stop Reason NORMAL")
        return {"ReplicationTask": self._task_view(task)}

    def op_ReloadTables(self, body: dict[str, Any]) -> dict[str, Any]:
        task = self._task(body["ReplicationTaskArn"])
        if task["Status"] != "running":
            raise bad_state(f"Replication task is {task['Status']}; ReloadTables needs a running task")
        tables = [(t["SchemaName"], t["TableName"]) for t in body["TablesToReload"]]
        known = {(t["SchemaName"], t["TableName"]) for t in task.get("_tables") or []}
        unknown = [f"{schema}.{name}" for schema, name in tables if (schema, name) not in known]
        if unknown:
            raise invalid(f"Tables not in the task: {', '.join(unknown)}")
        option = body.get("ReloadOption") or "data-reload"
        if option not in ("data-reload", "validate-only"):
            raise invalid(f"Invalid ReloadOption {option!r}")
        if task.get("_loading"):
            raise bad_state("The task's full load is still in progress; reload after it completes")
        # the new state shows at once: a waiter polling right after this call must not see the old one
        self.runs.pop(task["ReplicationTaskArn"], None)
        for stats in task.get("_tables") or []:
            if (stats["SchemaName"], stats["TableName"]) in tables:
                if option == "validate-only":
                    stats["ValidationState"] = "Pending records"
                else:
                    stats["TableState"] = "Table is being reloaded"
                    stats["FullLoadReloaded"] = True
        self._launch(task, only=tables, fresh=False, validate_only=option == "validate-only", reload=True)
        return {"ReplicationTaskArn": task["ReplicationTaskArn"]}

    def op_DescribeTableStatistics(self, body: dict[str, Any]) -> dict[str, Any]:
        task = self._task(body["ReplicationTaskArn"])
        filters = self._filters(
            body, {"schema-name": "SchemaName", "table-name": "TableName", "table-state": "TableState"}
        )
        tables = [dict(t) for t in task.get("_tables") or []]
        if filters:
            tables = [t for t in tables if all(str(t.get(f)) in vals for f, vals in filters)]
        out = self._page(tables, body, "TableStatistics")
        out["ReplicationTaskArn"] = task["ReplicationTaskArn"]
        return out

    # running ----------------------------------------------------------------------------------------
    def _launch(
        self,
        task: dict[str, Any],
        *,
        only: list[tuple[str, str]] | None,
        fresh: bool,
        validate_only: bool = False,
        reload: bool = False,
    ) -> None:
        task_arn = task["ReplicationTaskArn"]
        now = time.time()
        previous_tables = {(t["SchemaName"], t["TableName"]): t for t in task.get("_tables") or []}
        if not reload:
            self.runs.pop(task_arn, None)
            if only is None:
                task["_tables"] = []
            task["Status"] = "starting"
            task.pop("StopReason", None)
            task.pop("LastFailureMessage", None)
            task["ReplicationTaskStartDate"] = now
            stats = {
                "FullLoadProgressPercent": 0,
                "ElapsedTimeMillis": 0,
                "TablesLoaded": 0,
                "TablesLoading": 0,
                "TablesQueued": 0,
                "TablesErrored": 0,
                "StartDate": now,
            }
            if fresh:
                stats["FreshStartDate"] = now
            task["ReplicationTaskStats"] = stats
        if reload and task_arn in self.stops:
            stop = self.stops[task_arn]  # Stop must still reach the running task
        else:
            stop = threading.Event()
            self.stops[task_arn] = stop
        task["_loading"] = True
        source_ep = self._endpoint(task["SourceEndpointArn"])
        target_ep = self._endpoint(task["TargetEndpointArn"])
        mappings = task["TableMappings"]
        settings = TaskSettings.parse(task["ReplicationTaskSettings"])
        migration = task["MigrationType"]
        task_name = task_arn.rsplit(":", 1)[-1]

        def work() -> None:
            if not reload:
                time.sleep(self.task_start_seconds)
            source = target = None
            try:
                source = self.database(source_ep, "source")
                target = self.database(target_ep, "target")
                run = FullLoadRun(
                    source,
                    target,
                    mappings,
                    settings,
                    task_name,
                    stop=stop,
                    only_tables=only,
                    validate_only=validate_only,
                )
                with self.lock:
                    if not reload and task["Status"] == "starting":
                        task["Status"] = "running"
                        task["ReplicationTaskStats"]["FullLoadStartDate"] = time.time()
                injected = getattr(getattr(self.world, "faults", None), "settings", None)
                if task["ReplicationTaskIdentifier"] in (getattr(injected, "fail_dms_tasks", None) or []):
                    raise DmsError(
                        "Fault", "Injected fault: the replication task failed (faults.fail_dms_tasks)"
                    )
                if migration == "cdc" or (only is not None and not only and not reload):
                    # cdc only, or resume-processing with every table already loaded: nothing to load
                    task["_loading"] = False
                    if migration == "full-load":
                        self._finish(task, "stopped", "Stop Reason FULL_LOAD_ONLY_FINISHED")
                    else:
                        self._idle_until_stopped(task, stop)
                    return
                run.prepare()
                with self.lock:
                    self.runs[task_arn] = run
                    if reload or only is not None:
                        run_tables = {(t["SchemaName"], t["TableName"]) for t in run.table_statistics()}
                        self._merge_previous(run, previous_tables, run_tables)
                run.execute()
                with self.lock:
                    self._sync_runs()
                    task["_loading"] = False
                    if not reload:
                        task["ReplicationTaskStats"]["FullLoadFinishDate"] = time.time()
                if reload:
                    return  # the task's own thread keeps it running
                if stop.is_set():
                    self._finish(task, "stopped", "Stop Reason NORMAL")
                elif migration == "full-load-and-cdc":
                    self._idle_until_stopped(task, stop)
                else:
                    self._finish(task, "stopped", "Stop Reason FULL_LOAD_ONLY_FINISHED")
            except Exception as exc:
                if isinstance(exc, DmsEngineError):
                    message = str(exc)
                elif isinstance(exc, DmsError):
                    message = exc.message
                else:
                    log.exception("DMS task %s failed", task["ReplicationTaskIdentifier"])
                    message = f"{type(exc).__name__}: {exc}"
                if reload:  # a failed reload does not stop the running task: it says why
                    with self.lock:
                        task["LastFailureMessage"] = f"ReloadTables failed: {message}"[:1000]
                else:
                    self._fail(task, message)
            finally:
                task["_loading"] = False
                for db in (source, target):
                    if db is not None:
                        db.dispose()
                self.save()

        thread = threading.Thread(
            target=work, name=f"dms-task-{task['ReplicationTaskIdentifier']}", daemon=True
        )
        if not reload:
            self.threads[task_arn] = thread
        thread.start()

    def _merge_previous(
        self, run: FullLoadRun, previous: dict[tuple[str, str], dict[str, Any]], reloading: set
    ) -> None:
        """A reload keeps the statistics of the tables it does not touch."""
        kept = [t for key, t in previous.items() if key not in reloading]
        run_original = run.table_statistics

        def merged() -> list[dict[str, Any]]:
            return [*kept, *run_original()]

        run.table_statistics = merged  # type: ignore[method-assign]

    def _idle_until_stopped(self, task: dict[str, Any], stop: threading.Event) -> None:
        """full-load-and-cdc / cdc: the task stays running until stopped (change capture is not implemented)."""
        while not stop.wait(0.2):
            if getattr(self.world, "stopping", None) is not None and self.world.stopping.is_set():
                break
        self._finish(task, "stopped", "Stop Reason NORMAL")

    def _finish(self, task: dict[str, Any], status: str, reason: str) -> None:
        with self.lock:
            self._sync_runs()
            task["Status"] = status
            task["StopReason"] = reason
            task.setdefault("ReplicationTaskStats", {})["StopDate"] = time.time()

    def _fail(self, task: dict[str, Any], message: str) -> None:
        with self.lock:
            self._sync_runs()
            task["Status"] = "failed"
            task["StopReason"] = "Stop Reason FATAL_ERROR"
            task["LastFailureMessage"] = message[:1000]
            task.setdefault("ReplicationTaskStats", {})["StopDate"] = time.time()


def _json_stats(stats: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in stats.items():
        out[key] = value.timestamp() if hasattr(value, "timestamp") else value
    return out


def _nested_secret(body: dict[str, Any]) -> str | None:
    for key in ("PostgreSQLSettings", "MySQLSettings"):
        settings = body.get(key) or {}
        if settings.get("SecretsManagerSecretId"):
            return settings["SecretsManagerSecretId"]
    return None


def _check_identifier(ident: str, field: str) -> None:
    """DMS identifiers: 1-255 letters, digits or hyphens, start with a letter, no double or trailing hyphen."""
    ok = (
        bool(ident)
        and len(ident) <= 255
        and ident[0].isalpha()
        and all(c.isalnum() or c == "-" for c in ident)
        and "--" not in ident
        and not ident.endswith("-")
    )
    if not ok:
        raise invalid(
            f"The parameter {field} is not a valid identifier. Identifiers must begin with a letter; must contain "
            "only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens."
        )
