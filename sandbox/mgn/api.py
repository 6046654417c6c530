"""MgnService: the MGN REST-JSON API over the sandbox's MGN state.

Routes, status codes, error types and shapes come from the botocore service model; every request is
checked against its input shape here (enum values included, which botocore never checks client-side),
so a call that passes the sandbox passes AWS's validation too. Lifecycle rules follow AWS_API_FACTS.md.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import botocore.session

from sandbox.api.errors import ApiError
from sandbox.api.inputs import check_input, json_body
from sandbox.api.pages import token_page
from sandbox.api.protocols import RestJson
from sandbox.apps import DiskApp
from sandbox.http import SandboxRequest, SandboxResponse
from sandbox.mgn import sources
from sandbox.mgn.ec2 import Ec2Registry
from sandbox.mgn.launch import Launcher, revive_instance
from sandbox.mgn.model import (
    ACTIVE_REPLICATION,
    INITIATION_STEPS,
    Application,
    Instance,
    Job,
    SourceServer,
    Wave,
    iso,
    new_id,
    parse_iso,
)
from sandbox.mgn.replication import Replicator
from sandbox.route53 import seed_zones
from sandbox.shapes import prune
from sandbox.world import SandboxWorld

_MODEL = botocore.session.get_session().get_service_model("mgn")
log = logging.getLogger("sandbox.mgn")

PROTOCOL = RestJson(_MODEL)


def not_found(kind: str, resource_id: str) -> ApiError:
    return ApiError(
        "ResourceNotFoundException",
        f"{kind} {resource_id} not found",
        resourceId=resource_id,
        resourceType=kind,
    )


def conflict(
    message: str, problems: list[tuple[str, str]] | None = None, resource_type: str = "SOURCE_SERVER"
) -> ApiError:
    errors = [
        {"resourceId": rid, "resourceType": resource_type, "message": why} for rid, why in problems or []
    ]
    return ApiError("ConflictException", message, errors=errors or None)


def invalid(message: str, fields: Iterable[tuple[str, str]] = ()) -> ApiError:
    return PROTOCOL.invalid(message, fields)


def _paginate(items: list[Any], body: dict[str, Any]) -> dict[str, Any]:
    return token_page(items, body, PROTOCOL)


class MgnService:
    """Handles MGN calls for one sandbox world; owns the replicator, the job runner and the apps."""

    name = "mgn"
    protocol = PROTOCOL

    def __init__(self, world: SandboxWorld) -> None:
        self.world = world
        self.root = world.state_dir / "mgn"
        self.instances_dir = self.root / "instances"
        self.servers: dict[str, SourceServer] = {}
        self.jobs: dict[str, Job] = {}
        self.waves: dict[str, Wave] = {}
        self.applications: dict[str, Application] = {}
        self.instances: dict[str, Instance] = {}
        self.source_apps: dict[str, DiskApp] = {}
        self.instance_apps: dict[str, DiskApp] = {}
        self.replicator = Replicator(self)
        self.launcher = Launcher(self)
        self._dirty = False
        self._persister: threading.Thread | None = None
        self.ec2 = Ec2Registry(world)
        self._ops: dict[str, Callable[[dict[str, Any]], tuple[int, dict[str, Any] | None]]] = {}
        for op_name in _MODEL.operation_names:
            handler = getattr(self, "op_" + op_name, None)
            if handler is not None:
                self._ops[op_name] = handler
        self._routes = {
            (_MODEL.operation_model(n).http["method"], _MODEL.operation_model(n).http["requestUri"]): n
            for n in _MODEL.operation_names
        }

    @classmethod
    def implemented_operations_of(cls) -> list[str]:
        """The MGN operations this sandbox answers (the rest answer 501 NotImplemented)."""
        return sorted(name for name in _MODEL.operation_names if hasattr(cls, "op_" + name))

    # == lifecycle of the service ======================================================================
    def start(self) -> None:
        stored = self.world.load_state("mgn")
        with self.world.lock:
            if stored:
                self._restore(stored)
            for config in self.world.config.expanded_servers():
                if not any(s.hostname == config.hostname for s in self.servers.values()):
                    sources.register(self, config)
            for server in self.servers.values():
                if server.app_enabled:
                    sources.start_source_app(self, server)
            seed_zones(self.world, {s.hostname: s.source_ip for s in self.servers.values()})
            for instance in list(self.instances.values()):
                if instance.running:
                    try:
                        revive_instance(self, instance)
                    except OSError as exc:  # its address is taken now: the instance stays, unreachable
                        log.warning(
                            "instance %s cannot listen on %s again: %s",
                            instance.ec2_instance_id,
                            instance.ip,
                            exc,
                        )
            self.save()
        # moto builds its EC2 backend lazily (about a second): do it now, not during the first launch
        threading.Thread(target=self.ec2.subnet, name="mgn-ec2-warmup", daemon=True).start()
        self.replicator.start()
        for job in list(self.jobs.values()):
            if job.status != "COMPLETED":
                self.launcher.run(job.id)  # resume what a stop interrupted
        self._persister = threading.Thread(target=self._persist_loop, name="mgn-persist", daemon=True)
        self._persister.start()

    def stop(self) -> None:
        self.world.stopping.set()
        self.replicator.stop()
        self.launcher.join()
        with self.world.lock:
            self.save()
            for app in [*self.source_apps.values(), *self.instance_apps.values()]:
                app.stop()
            self.source_apps.clear()
            self.instance_apps.clear()

    def mark_dirty(self, now: bool = False) -> None:
        self._dirty = True
        if now:
            self.save()

    def _persist_loop(self) -> None:
        interval = self.world.config.timing.persist_interval_seconds
        while not self.world.stopping.wait(interval):
            if self._dirty:
                with self.world.lock:
                    self.save()

    def save(self) -> None:
        with self.world.lock:
            self._dirty = False
            self.world.save_state(
                "mgn",
                {
                    "version": 1,
                    "servers": [s.to_state() for s in self.servers.values()],
                    "jobs": [j.to_state() for j in self.jobs.values()],
                    "waves": [w.to_state() for w in self.waves.values()],
                    "applications": [a.to_state() for a in self.applications.values()],
                    "instances": [i.to_state() for i in self.instances.values()],
                },
            )

    def _restore(self, stored: dict[str, Any]) -> None:
        for data in stored.get("servers", []):
            server = SourceServer.from_state(data)
            self.servers[server.id] = server
            self.replicator.attach(server, resumed=True)
        for data in stored.get("jobs", []):
            job = Job.from_state(data)
            self.jobs[job.id] = job
        for data in stored.get("waves", []):
            self.waves[data["id"]] = Wave(**data)
        for data in stored.get("applications", []):
            self.applications[data["id"]] = Application(**data)
        for data in stored.get("instances", []):
            instance = Instance.from_state(data)
            self.instances[instance.ec2_instance_id] = instance

    def arn(self, kind: str, resource_id: str) -> str:
        return f"arn:aws:mgn:{self.world.region}:{self.world.account_id}:{kind}/{resource_id}"

    def summary(self) -> dict[str, Any]:
        """For GET /_sandbox/servers: where each source app and launched instance listens."""
        with self.world.lock:
            return {
                "servers": [
                    {
                        "hostname": s.hostname,
                        "sourceServerID": s.id,
                        "sourceIp": s.source_ip,
                        "port": s.app_port,
                        "url": f"http://{s.source_ip}:{s.app_port}" if s.id in self.source_apps else None,
                        "lifeCycleState": s.life_cycle_state,
                        "dataReplicationState": s.replication_state,
                    }
                    for s in self.servers.values()
                ],
                "instances": [
                    {**i.to_state(), "url": f"http://{i.ip}:{i.port}" if i.running and i.started else None}
                    for i in self.instances.values()
                ],
            }

    # == HTTP entry ====================================================================================
    def handle(self, request: SandboxRequest) -> SandboxResponse:
        try:
            op_name, params = self._parse(request)
            check_input(PROTOCOL, _MODEL.operation_model(op_name), params)
            handler = self._ops.get(op_name)
            if handler is None:
                raise ApiError("NotImplemented", f"{op_name} is not implemented by the sandbox", 501)
            with self.world.lock:
                status, payload = handler(params)
            if status < 300 and op_name not in _READ_ONLY:
                self.mark_dirty(now=True)
            return PROTOCOL.ok(status, payload)
        except ApiError as error:
            return PROTOCOL.error(error)

    def _parse(self, request: SandboxRequest) -> tuple[str, dict[str, Any]]:
        path = request.path
        if path.startswith("/tags/"):
            op_name = {"GET": "ListTagsForResource", "POST": "TagResource", "DELETE": "UntagResource"}.get(
                request.method
            )
            if op_name is None:
                raise ApiError("ValidationException", f"{request.method} not allowed on tags", reason="other")
            params: dict[str, Any] = {}
            if request.method == "POST":
                params = json_body(request.body, PROTOCOL)
            params["resourceArn"] = path[len("/tags/") :]
            if request.method == "DELETE":
                params["tagKeys"] = request.query.get("tagKeys", [])
            return op_name, params
        op_name = self._routes.get((request.method, path))
        if op_name is None:
            raise ApiError(
                "ValidationException", f"Unknown operation {request.method} {path}", reason="unknownOperation"
            )
        return op_name, json_body(request.body, PROTOCOL)

    # == helpers for handlers ==========================================================================
    def _server(self, server_id: str) -> SourceServer:
        server = self.servers.get(server_id)
        if server is None:
            raise not_found("SOURCE_SERVER", server_id)
        return server

    def _servers_for_batch(self, ids: list[str]) -> list[SourceServer]:
        unknown = [i for i in ids if i not in self.servers]
        if unknown:
            raise invalid(
                f"Source servers not found: {', '.join(unknown)}",
                [("sourceServerIDs", f"{i} not found") for i in unknown],
            )
        return [self.servers[i] for i in dict.fromkeys(ids)]

    def _active_job_of(self, server_id: str) -> Job | None:
        for job in self.jobs.values():
            if job.status != "COMPLETED" and any(p["sourceServerID"] == server_id for p in job.servers):
                return job
        return None

    def _view(self, server: SourceServer) -> dict[str, Any]:
        return server.to_api()

    def _new_job(
        self, job_type: str, initiated_by: str, servers: list[SourceServer], tags: dict[str, str]
    ) -> Job:
        job_id = new_id("mgnjob-")
        job = Job(
            id=job_id,
            arn=self.arn("job", job_id),
            type=job_type,
            initiated_by=initiated_by,
            created_at=time.time(),
            servers=[{"sourceServerID": s.id, "launchStatus": "PENDING"} for s in servers],
            tags=dict(tags or {}),
        )
        self.jobs[job_id] = job
        return job

    # == operations: source servers ====================================================================
    def op_DescribeSourceServers(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        filters = body.get("filters") or {}
        items = list(self.servers.values())
        if filters.get("sourceServerIDs"):
            wanted = set(filters["sourceServerIDs"])
            items = [s for s in items if s.id in wanted]
        if "isArchived" in filters:
            items = [s for s in items if s.is_archived == filters["isArchived"]]
        if filters.get("replicationTypes"):
            items = [s for s in items if "AGENT_BASED" in filters["replicationTypes"]]
        if filters.get("lifeCycleStates"):
            items = [s for s in items if s.life_cycle_state in filters["lifeCycleStates"]]
        if filters.get("applicationIDs"):
            items = [s for s in items if s.application_id in set(filters["applicationIDs"])]
        now = time.time()
        page = _paginate(items, body)
        page["items"] = [s.to_api(now) for s in page["items"]]
        return 200, page

    def op_StartReplication(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        server = self._server(body["sourceServerID"])
        if server.is_archived or server.replication_state != "STOPPED":
            raise conflict(
                f"Replication of {server.id} is {server.replication_state}: it can only be started when STOPPED"
            )
        server.replication_state = "INITIATING" if not server.initial_sync_done else "CONTINUOUS"
        server.initiation_started_at = time.time()
        server.initiation_steps_done = 0
        server.replication_error = None
        return 200, self._view(server)

    def op_StopReplication(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        server = self._server(body["sourceServerID"])
        if server.replication_state not in ACTIVE_REPLICATION | {"PAUSED", "STALLED"}:
            raise conflict(f"Replication of {server.id} is {server.replication_state}: nothing to stop")
        server.replication_state = "STOPPED"
        return 200, self._view(server)

    def op_PauseReplication(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        server = self._server(body["sourceServerID"])
        if server.replication_state not in ACTIVE_REPLICATION:
            raise conflict(f"Replication of {server.id} is {server.replication_state}: it cannot be paused")
        server.replication_state = "PAUSED"
        return 200, self._view(server)

    def op_ResumeReplication(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        server = self._server(body["sourceServerID"])
        if server.replication_state != "PAUSED":
            raise conflict(f"Replication of {server.id} is {server.replication_state}: only PAUSED resumes")
        server.replication_state = "CONTINUOUS" if server.initial_sync_done else "INITIAL_SYNC"
        return 200, self._view(server)

    def op_RetryDataReplication(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        server = self._server(body["sourceServerID"])
        if server.replication_state != "STALLED":
            raise invalid(
                f"Replication of {server.id} is {server.replication_state}, not STALLED: nothing to retry"
            )
        server.replication_error = None
        if server.initiation_steps_done < len(INITIATION_STEPS):
            server.replication_state = "INITIATING"
        else:
            server.replication_state = "CONTINUOUS" if server.initial_sync_done else "INITIAL_SYNC"
        return 200, self._view(server)

    def op_DisconnectFromService(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        server = self._server(body["sourceServerID"])
        job = self._active_job_of(server.id)
        if job is not None:
            raise conflict(f"{server.id} takes part in job {job.id}, which is still {job.status}")
        server.replication_state = "DISCONNECTED"
        server.life_cycle_state = "DISCONNECTED"
        server.replication_error = None
        server.backlog_bytes = 0
        return 200, self._view(server)

    def op_ChangeServerLifeCycleState(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        server = self._server(body["sourceServerID"])
        target = body["lifeCycle"]["state"]
        current = server.life_cycle_state
        if not server.launchable:
            raise conflict(
                f"{server.id} is not ready: its initial sync has not completed (no lagDuration yet)"
            )
        job = self._active_job_of(server.id)
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
        return 200, self._view(server)

    def op_FinalizeCutover(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        server = self._server(body["sourceServerID"])
        launched = server.launched_instance or {}
        job = self.jobs.get(launched.get("jobID", ""))
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
        return 200, self._view(server)

    def op_MarkAsArchived(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        server = self._server(body["sourceServerID"])
        if server.life_cycle_state not in ("CUTOVER", "DISCONNECTED"):
            raise conflict(
                f"{server.id} is {server.life_cycle_state}: only servers in CUTOVER or DISCONNECTED can be archived"
            )
        server.is_archived = True
        return 200, self._view(server)

    # == operations: jobs ==============================================================================
    def _start_launch(self, body: dict[str, Any], initiated_by: str) -> tuple[int, dict[str, Any]]:
        servers = self._servers_for_batch(body["sourceServerIDs"])
        eligible = (
            {"READY_FOR_TEST", "TESTING", "READY_FOR_CUTOVER"}
            if initiated_by == "START_TEST"
            else {"READY_FOR_CUTOVER"}
        )
        problems: list[tuple[str, str]] = []
        for server in servers:
            job = self._active_job_of(server.id)
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
        job = self._new_job("LAUNCH", initiated_by, servers, body.get("tags") or {})
        stamp = iso(job.created_at)
        for server in servers:
            job.prior_states[server.id] = server.life_cycle_state
            if initiated_by == "START_TEST":
                server.life_cycle_state = "TESTING"
                server.last_test = {"initiated": {"apiCallDateTime": stamp, "jobID": job.id}}
            else:
                server.life_cycle_state = "CUTTING_OVER"
                server.last_cutover = {"initiated": {"apiCallDateTime": stamp, "jobID": job.id}}
        self.save()
        self.launcher.run(job.id)
        return 202, {"job": job.to_api()}

    def op_StartTest(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return self._start_launch(body, "START_TEST")

    def op_StartCutover(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return self._start_launch(body, "START_CUTOVER")

    def op_TerminateTargetInstances(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        servers = self._servers_for_batch(body["sourceServerIDs"])
        problems = []
        for server in servers:
            job = self._active_job_of(server.id)
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
        job = self._new_job("TERMINATE", "TERMINATE", servers, body.get("tags") or {})
        self.save()
        self.launcher.run(job.id)
        return 202, {"job": job.to_api()}

    def op_DescribeJobs(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        filters = body.get("filters") or {}
        jobs = list(self.jobs.values())
        if filters.get("jobIDs"):
            wanted = set(filters["jobIDs"])
            jobs = [j for j in jobs if j.id in wanted]
        try:
            start = parse_iso(filters["fromDate"]) if filters.get("fromDate") else None
            end = parse_iso(filters["toDate"]) if filters.get("toDate") else None
        except ValueError as exc:  # matches the pattern yet is no date, like February 30th
            raise invalid(f"Invalid date: {exc}", [("filters", str(exc))]) from exc
        if start is not None:
            jobs = [j for j in jobs if parse_iso(iso(j.created_at) or "") >= start]
        if end is not None:
            jobs = [j for j in jobs if parse_iso(iso(j.created_at) or "") <= end]
        page = _paginate(jobs, body)
        page["items"] = [j.to_api() for j in page["items"]]
        return 200, page

    def op_DescribeJobLogItems(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        job = self.jobs.get(body["jobID"])
        if job is None:
            raise invalid(f"Job {body['jobID']} not found", [("jobID", "not found")])
        page = _paginate([prune(item) for item in job.log], body)
        return 200, page

    def op_DeleteJob(self, body: dict[str, Any]) -> tuple[int, None]:
        job = self.jobs.get(body["jobID"])
        if job is None:
            raise not_found("JOB", body["jobID"])
        if job.status != "COMPLETED":
            raise conflict(
                f"Job {job.id} is {job.status}: only completed jobs can be deleted", resource_type="JOB"
            )
        del self.jobs[job.id]
        return 204, None

    # == operations: configurations ====================================================================
    def op_GetLaunchConfiguration(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, dict(self._server(body["sourceServerID"]).launch_configuration)

    def op_UpdateLaunchConfiguration(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        server = self._server(body["sourceServerID"])
        if server.is_archived:
            raise conflict(f"{server.id} is archived")
        for key, value in body.items():
            if key not in ("sourceServerID", "accountID"):
                server.launch_configuration[key] = value
        return 200, dict(server.launch_configuration)

    def op_GetReplicationConfiguration(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, dict(self._server(body["sourceServerID"]).replication_configuration)

    def op_UpdateReplicationConfiguration(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        server = self._server(body["sourceServerID"])
        if server.is_archived or server.replication_state == "DISCONNECTED":
            raise conflict(f"{server.id} is {'archived' if server.is_archived else 'disconnected'}")
        devices = {d.device for d in server.disks}
        for disk in body.get("replicatedDisks") or []:
            if disk.get("deviceName") not in devices:
                raise invalid(
                    "Unknown replicated disk", [("replicatedDisks", f"no disk {disk.get('deviceName')}")]
                )
        for key, value in body.items():
            if key not in ("sourceServerID", "accountID"):
                server.replication_configuration[key] = value
        return 200, dict(server.replication_configuration)

    # == operations: waves and applications ============================================================
    def _wave(self, wave_id: str) -> Wave:
        wave = self.waves.get(wave_id)
        if wave is None:
            raise not_found("WAVE", wave_id)
        return wave

    def _application(self, application_id: str) -> Application:
        app = self.applications.get(application_id)
        if app is None:
            raise not_found("APPLICATION", application_id)
        return app

    def _app_view(self, app: Application) -> dict[str, Any]:
        members = [s for s in self.servers.values() if s.application_id == app.id]
        states = {s.life_cycle_state for s in members}
        if not members or states <= {"NOT_READY", "READY_FOR_TEST", "DISCOVERED", "PENDING_INSTALLATION"}:
            progress = "NOT_STARTED"
        elif states <= {"CUTOVER", "DISCONNECTED"}:
            progress = "COMPLETED"
        else:
            progress = "IN_PROGRESS"
        replication = {s.replication_state for s in members}
        health = "ERROR" if "STALLED" in replication else "LAGGING" if "BACKLOG" in replication else "HEALTHY"
        return prune(
            {
                "applicationID": app.id,
                "arn": app.arn,
                "name": app.name,
                "description": app.description,
                "isArchived": app.is_archived,
                "applicationAggregatedStatus": {
                    "healthStatus": health,
                    "progressStatus": progress,
                    "totalSourceServers": len(members),
                },
                "tags": dict(app.tags),
                "waveID": app.wave_id,
            }
        )

    def _wave_view(self, wave: Wave) -> dict[str, Any]:
        apps = [self._app_view(a) for a in self.applications.values() if a.wave_id == wave.id]
        progress_states = {a["applicationAggregatedStatus"]["progressStatus"] for a in apps}
        health_states = {a["applicationAggregatedStatus"]["healthStatus"] for a in apps}
        if not apps or progress_states == {"NOT_STARTED"}:
            progress = "NOT_STARTED"
        elif progress_states == {"COMPLETED"}:
            progress = "COMPLETED"
        else:
            progress = "IN_PROGRESS"
        health = (
            "ERROR" if "ERROR" in health_states else "LAGGING" if "LAGGING" in health_states else "HEALTHY"
        )
        return prune(
            {
                "waveID": wave.id,
                "arn": wave.arn,
                "name": wave.name,
                "description": wave.description,
                "isArchived": wave.is_archived,
                "waveAggregatedStatus": {
                    "healthStatus": health,
                    "progressStatus": progress,
                    "totalApplications": len(apps),
                },
                "tags": dict(wave.tags),
            }
        )

    def op_CreateWave(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if any(w.name == body["name"] and not w.is_archived for w in self.waves.values()):
            raise conflict(f"A wave named {body['name']!r} already exists", resource_type="WAVE")
        wave_id = new_id("wave-")
        wave = Wave(
            wave_id,
            self.arn("wave", wave_id),
            body["name"],
            body.get("description"),
            body.get("tags") or {},
            time.time(),
        )
        self.waves[wave_id] = wave
        return 201, self._wave_view(wave)

    def op_ListWaves(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        filters = body.get("filters") or {}
        waves = list(self.waves.values())
        if filters.get("waveIDs"):
            waves = [w for w in waves if w.id in set(filters["waveIDs"])]
        if "isArchived" in filters:
            waves = [w for w in waves if w.is_archived == filters["isArchived"]]
        page = _paginate(waves, body)
        page["items"] = [self._wave_view(w) for w in page["items"]]
        return 200, page

    def op_UpdateWave(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        wave = self._wave(body["waveID"])
        if wave.is_archived:
            raise conflict(f"Wave {wave.id} is archived", resource_type="WAVE")
        wave.name = body.get("name", wave.name)
        wave.description = body.get("description", wave.description)
        return 200, self._wave_view(wave)

    def op_ArchiveWave(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        wave = self._wave(body["waveID"])
        wave.is_archived = True
        return 200, self._wave_view(wave)

    def op_UnarchiveWave(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        wave = self._wave(body["waveID"])
        wave.is_archived = False
        return 200, self._wave_view(wave)

    def op_DeleteWave(self, body: dict[str, Any]) -> tuple[int, None]:
        wave = self._wave(body["waveID"])
        if any(a.wave_id == wave.id for a in self.applications.values()):
            raise conflict(f"Wave {wave.id} still holds applications", resource_type="WAVE")
        del self.waves[wave.id]
        return 204, None

    def op_CreateApplication(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if any(a.name == body["name"] and not a.is_archived for a in self.applications.values()):
            raise conflict(
                f"An application named {body['name']!r} already exists", resource_type="APPLICATION"
            )
        app_id = new_id("app-")
        app = Application(
            app_id,
            self.arn("application", app_id),
            body["name"],
            body.get("description"),
            body.get("tags") or {},
            time.time(),
        )
        self.applications[app_id] = app
        return 201, self._app_view(app)

    def op_ListApplications(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        filters = body.get("filters") or {}
        apps = list(self.applications.values())
        if filters.get("applicationIDs"):
            apps = [a for a in apps if a.id in set(filters["applicationIDs"])]
        if filters.get("waveIDs"):
            apps = [a for a in apps if a.wave_id in set(filters["waveIDs"])]
        if "isArchived" in filters:
            apps = [a for a in apps if a.is_archived == filters["isArchived"]]
        page = _paginate(apps, body)
        page["items"] = [self._app_view(a) for a in page["items"]]
        return 200, page

    def op_UpdateApplication(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        app = self._application(body["applicationID"])
        if app.is_archived:
            raise conflict(f"Application {app.id} is archived", resource_type="APPLICATION")
        app.name = body.get("name", app.name)
        app.description = body.get("description", app.description)
        return 200, self._app_view(app)

    def op_ArchiveApplication(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        app = self._application(body["applicationID"])
        app.is_archived = True
        return 200, self._app_view(app)

    def op_UnarchiveApplication(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        app = self._application(body["applicationID"])
        app.is_archived = False
        return 200, self._app_view(app)

    def op_DeleteApplication(self, body: dict[str, Any]) -> tuple[int, None]:
        app = self._application(body["applicationID"])
        if any(s.application_id == app.id for s in self.servers.values()):
            raise conflict(f"Application {app.id} still holds source servers", resource_type="APPLICATION")
        del self.applications[app.id]
        return 204, None

    def op_AssociateApplications(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        wave = self._wave(body["waveID"])
        apps = [self._application(a) for a in body["applicationIDs"]]
        taken = [(a.id, f"already in wave {a.wave_id}") for a in apps if a.wave_id not in (None, wave.id)]
        if taken:
            raise conflict("Applications already belong to another wave", taken, "APPLICATION")
        if wave.is_archived:
            raise conflict(f"Wave {wave.id} is archived", resource_type="WAVE")
        for app in apps:
            app.wave_id = wave.id
        return 200, {}

    def op_DisassociateApplications(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        wave = self._wave(body["waveID"])
        for app_id in body["applicationIDs"]:
            app = self._application(app_id)
            if app.wave_id == wave.id:
                app.wave_id = None
        return 200, {}

    def op_AssociateSourceServers(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        app = self._application(body["applicationID"])
        servers = []
        for server_id in body["sourceServerIDs"]:
            servers.append(self._server(server_id))
        taken = [
            (s.id, f"already in application {s.application_id}")
            for s in servers
            if s.application_id not in (None, app.id)
        ]
        if taken:
            raise conflict("Source servers already belong to another application", taken)
        if app.is_archived:
            raise conflict(f"Application {app.id} is archived", resource_type="APPLICATION")
        for server in servers:
            server.application_id = app.id
        return 200, {}

    def op_DisassociateSourceServers(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        app = self._application(body["applicationID"])
        for server_id in body["sourceServerIDs"]:
            server = self._server(server_id)
            if server.application_id == app.id:
                server.application_id = None
        return 200, {}

    # == operations: tags and the account ==============================================================
    def _taggable(self, arn: str) -> dict[str, str]:
        resource_id = arn.rsplit("/", 1)[-1]
        for store in (self.servers, self.jobs, self.waves, self.applications):
            resource = store.get(resource_id)
            if resource is not None and resource.arn == arn:
                return resource.tags
        raise not_found("RESOURCE", arn)

    def op_ListTagsForResource(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, {"tags": dict(self._taggable(body["resourceArn"]))}

    def op_TagResource(self, body: dict[str, Any]) -> tuple[int, None]:
        self._taggable(body["resourceArn"]).update(body["tags"])
        return 200, None

    def op_UntagResource(self, body: dict[str, Any]) -> tuple[int, None]:
        tags = self._taggable(body["resourceArn"])
        for key in body["tagKeys"]:
            tags.pop(key, None)
        return 200, None

    def op_InitializeService(self, body: dict[str, Any]) -> tuple[int, None]:
        return 204, None


_READ_ONLY = {
    "DescribeSourceServers",
    "DescribeJobs",
    "DescribeJobLogItems",
    "GetLaunchConfiguration",
    "GetReplicationConfiguration",
    "ListWaves",
    "ListApplications",
    "ListTagsForResource",
}
