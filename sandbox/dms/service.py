"""The DMS control plane of the sandbox: JSON 1.1 (`X-Amz-Target: AmazonDMSv20160101.<Op>`).

Replication instances (creating -> available), endpoints (mysql, mariadb, aurora, postgres,
aurora-postgresql and the sandbox-only sqlite, whose DatabaseName is a file path; credentials by
Username/Password or SecretsManagerSecretId read from the sandbox's Secrets Manager), real connection tests,
replication tasks that move rows with `sandbox.dms.engine`, table statistics and ReloadTables.
Errors answer HTTP 400 with `__type` (ResourceNotFoundFault, InvalidResourceStateFault,
ResourceAlreadyExistsFault, InvalidParameterValueException). Describe* calls whose filters match nothing
raise ResourceNotFoundFault, as on AWS. Passwords are never returned.

Layers: this module routes and checks (sandbox.api) -> `handlers/` (one module per resource) ->
`runs` and `databases` (task runs, real connections; `engine/` moves the rows) -> `store` (resources, state file).
"""

from __future__ import annotations

import time
from typing import Any

from sandbox.api.errors import ApiError
from sandbox.api.inputs import check_input, json_body
from sandbox.dms.handlers import OPERATIONS
from sandbox.dms.handlers.common import MODEL, PROTOCOL
from sandbox.dms.runs import TaskRuns
from sandbox.dms.store import DmsStore, DmsTimings
from sandbox.http import SandboxRequest, SandboxResponse
from sandbox.world import SandboxWorld

TARGET_PREFIX = "AmazonDMSv20160101."
_MUTATING = ("Create", "Delete", "Start", "Stop", "Modify", "Test", "Reload")


class DmsService:
    """Constructed `DmsService(world)`, called `handle(request) -> response` by the sandbox server."""

    protocol = PROTOCOL

    def __init__(self, world: SandboxWorld) -> None:
        self.world = world
        self.timings = DmsTimings(cdc_publish_seconds=world.config.timing.dms_cdc_publish_seconds)
        self.store = DmsStore(world)
        self.runs = TaskRuns(self.store, self.timings)
        self.runs.resume_running(self._endpoints_of)

    def _endpoints_of(self, task: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        endpoints = self.store.state.endpoints
        return endpoints[task["SourceEndpointArn"]], endpoints[task["TargetEndpointArn"]]

    @classmethod
    def implemented_operations_of(cls) -> list[str]:
        """The DMS operations this sandbox answers (the rest answer InvalidAction)."""
        return sorted(OPERATIONS)

    def stop(self) -> None:
        """At shutdown: every run is told to stop and given time to, then the state is saved."""
        self.runs.stop_all()
        self.store.save()

    def save(self) -> None:
        self.store.save()

    def handle(self, request: SandboxRequest) -> SandboxResponse:
        target = request.headers.get("X-Amz-Target") or ""
        op = target[len(TARGET_PREFIX) :] if target.startswith(TARGET_PREFIX) else ""
        try:
            if op not in MODEL.operation_names:
                raise ApiError("UnknownOperationException", f"Missing or unknown X-Amz-Target {target!r}")
            handler = OPERATIONS.get(op)
            if handler is None:
                raise ApiError("InvalidAction", f"{op} is not implemented by the sandbox")
            body = json_body(request.body, PROTOCOL)
            check_input(PROTOCOL, MODEL.operation_model(op), body)
            with self.store.lock:
                self._tick()
                payload = handler(self, body)
                self._tick()
            if op.startswith(_MUTATING):
                self.store.save()
            return PROTOCOL.ok(200, payload)
        except ApiError as error:
            return PROTOCOL.error(error)

    def _tick(self) -> None:
        for gone in self.store.tick(time.time()):
            self.runs.forget(gone)
        self.runs.sync()
