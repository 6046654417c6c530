"""MgnService: the MGN REST-JSON API over the sandbox's MGN state.

Routes, status codes, error types and shapes come from the botocore service model; every request is
checked against its input shape (enum values included, which botocore never checks client-side), so a
call that passes the sandbox passes AWS's validation too. Lifecycle rules follow AWS_API_FACTS.md.

Layers: this module routes and checks (sandbox.api) -> `handlers/` (one module per resource) -> the
engines (`launch.Launcher`, `replication.Replicator`, `sources`) -> `store.MgnStore` -> `model`.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sandbox.api.errors import ApiError
from sandbox.api.inputs import check_input, json_body
from sandbox.http import SandboxRequest, SandboxResponse
from sandbox.mgn import sources
from sandbox.mgn.ec2 import Ec2Registry
from sandbox.mgn.handlers import OPERATIONS
from sandbox.mgn.handlers.common import MODEL, PROTOCOL
from sandbox.mgn.launch import Launcher, revive_instance
from sandbox.mgn.replication import Replicator
from sandbox.mgn.store import MgnStore
from sandbox.route53 import seed_zones
from sandbox.world import SandboxWorld

log = logging.getLogger("sandbox.mgn")

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
_TAG_OPERATIONS = {"GET": "ListTagsForResource", "POST": "TagResource", "DELETE": "UntagResource"}


class MgnService:
    """Handles MGN calls for one sandbox world; owns the replicator, the job runner and the apps."""

    name = "mgn"
    protocol = PROTOCOL

    def __init__(self, world: SandboxWorld) -> None:
        self.world = world
        self.store = MgnStore(world)
        self.ec2 = Ec2Registry(world)
        self.replicator = Replicator(self.store)
        self.launcher = Launcher(self.store, self.replicator, self.ec2)
        self._routes = {
            (MODEL.operation_model(n).http["method"], MODEL.operation_model(n).http["requestUri"]): n
            for n in MODEL.operation_names
        }

    @classmethod
    def implemented_operations_of(cls) -> list[str]:
        """The MGN operations this sandbox answers (the rest answer 501 NotImplemented)."""
        return sorted(OPERATIONS)

    # == lifecycle of the service ======================================================================
    def start(self) -> None:
        store = self.store
        with self.world.lock:
            for server in store.restore():
                self.replicator.attach(server, resumed=True)
            for config in self.world.config.expanded_servers():
                if not any(s.hostname == config.hostname for s in store.servers.values()):
                    sources.register(store, self.replicator, config)
            for server in store.servers.values():
                if server.app_enabled:
                    sources.start_source_app(store, server)
            seed_zones(self.world, {s.hostname: s.source_ip for s in store.servers.values()})
            self._revive_instances()
            store.save()
        # moto builds its EC2 backend lazily (about a second): do it now, not during the first launch
        threading.Thread(target=self.ec2.subnet, name="mgn-ec2-warmup", daemon=True).start()
        self.replicator.start()
        for job in list(store.jobs.values()):
            if job.status != "COMPLETED":
                self.launcher.run(job.id)  # resume what a stop interrupted
        store.start_persisting()

    def _revive_instances(self) -> None:
        for instance in list(self.store.instances.values()):
            if instance.running:
                try:
                    revive_instance(self.store, self.ec2, instance)
                except OSError as exc:  # its address is taken now: the instance stays, unreachable
                    log.warning(
                        "instance %s cannot listen on %s again: %s",
                        instance.ec2_instance_id,
                        instance.ip,
                        exc,
                    )

    def stop(self) -> None:
        self.world.stopping.set()
        self.replicator.stop()
        self.launcher.join()
        with self.world.lock:
            self.store.save()
            self.store.stop_apps()

    def summary(self) -> dict[str, Any]:
        """For GET /_sandbox/servers: where each source app and launched instance listens."""
        store = self.store
        with self.world.lock:
            servers = [
                {
                    "hostname": s.hostname,
                    "sourceServerID": s.id,
                    "sourceIp": s.source_ip,
                    "port": s.app_port,
                    "url": f"http://{s.source_ip}:{s.app_port}" if s.id in store.source_apps else None,
                    "lifeCycleState": s.life_cycle_state,
                    "dataReplicationState": s.replication_state,
                }
                for s in store.servers.values()
            ]
            instances = [
                {**i.to_state(), "url": f"http://{i.ip}:{i.port}" if i.running and i.started else None}
                for i in store.instances.values()
            ]
        return {"servers": servers, "instances": instances}

    # == HTTP entry ====================================================================================
    def handle(self, request: SandboxRequest) -> SandboxResponse:
        try:
            op_name, params = self._parse(request)
            check_input(PROTOCOL, MODEL.operation_model(op_name), params)
            handler = OPERATIONS.get(op_name)
            if handler is None:
                raise ApiError("NotImplemented", f"{op_name} is not implemented by the sandbox", 501)
            with self.world.lock:
                status, payload = handler(self, params)
            if status < 300 and op_name not in _READ_ONLY:
                self.store.mark_dirty(now=True)
            return PROTOCOL.ok(status, payload)
        except ApiError as error:
            return PROTOCOL.error(error)

    def _parse(self, request: SandboxRequest) -> tuple[str, dict[str, Any]]:
        path = request.path
        if path.startswith("/tags/"):
            op_name = _TAG_OPERATIONS.get(request.method)
            if op_name is None:
                raise ApiError("ValidationException", f"{request.method} not allowed on tags", reason="other")
            params: dict[str, Any] = json_body(request.body, PROTOCOL) if request.method == "POST" else {}
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
