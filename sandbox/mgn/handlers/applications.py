"""Applications: create/list/update/archive/delete, source servers associated with them, aggregated status."""

from __future__ import annotations

from typing import Any

from sandbox.mgn.handlers.common import Mgn, Result, conflict, server_of
from sandbox.mgn.handlers.groupings import Grouping
from sandbox.mgn.model import Application
from sandbox.shapes import prune


def application_of(mgn: Mgn, application_id: str) -> Application:
    return APPLICATIONS.find(mgn, application_id)


def application_view(mgn: Mgn, app: Application) -> dict[str, Any]:
    members = [s for s in mgn.store.servers.values() if s.application_id == app.id]
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


def delete_application(mgn: Mgn, body: dict[str, Any]) -> Result:
    app = application_of(mgn, body["applicationID"])
    if any(s.application_id == app.id for s in mgn.store.servers.values()):
        raise conflict(f"Application {app.id} still holds source servers", resource_type="APPLICATION")
    del mgn.store.applications[app.id]
    return 204, None


def associate_source_servers(mgn: Mgn, body: dict[str, Any]) -> Result:
    app = application_of(mgn, body["applicationID"])
    servers = []
    for server_id in body["sourceServerIDs"]:
        servers.append(server_of(mgn, server_id))
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


def disassociate_source_servers(mgn: Mgn, body: dict[str, Any]) -> Result:
    app = application_of(mgn, body["applicationID"])
    for server_id in body["sourceServerIDs"]:
        server = server_of(mgn, server_id)
        if server.application_id == app.id:
            server.application_id = None
    return 200, {}


APPLICATIONS = Grouping(
    "APPLICATION",
    "application",
    "An",
    "app-",
    Application,
    "applications",
    application_view,
    (("applicationIDs", "id"), ("waveIDs", "wave_id")),
)

OPERATIONS = {
    "CreateApplication": APPLICATIONS.create,
    "ListApplications": APPLICATIONS.list,
    "UpdateApplication": APPLICATIONS.update,
    "ArchiveApplication": APPLICATIONS.archive,
    "UnarchiveApplication": APPLICATIONS.unarchive,
    "DeleteApplication": delete_application,
    "AssociateSourceServers": associate_source_servers,
    "DisassociateSourceServers": disassociate_source_servers,
}
