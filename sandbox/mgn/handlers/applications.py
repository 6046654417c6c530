"""Applications: create/list/update/archive/delete, source servers associated with them, aggregated status."""

from __future__ import annotations

from typing import Any

from sandbox.mgn.handlers.common import Mgn, server_of
from sandbox.mgn.handlers.groupings import Grouping, Members, aggregated
from sandbox.mgn.model import Application, SourceServer

NOT_STARTED = {"NOT_READY", "READY_FOR_TEST", "DISCOVERED", "PENDING_INSTALLATION"}


def application_status(mgn: Mgn, members: list[SourceServer]) -> tuple[str, str]:
    """From the servers' life cycle (progress) and replication (health) states."""
    life_cycle, replication = {s.life_cycle_state for s in members}, {s.replication_state for s in members}
    return aggregated(life_cycle, replication, NOT_STARTED, {"CUTOVER", "DISCONNECTED"}, "STALLED", "BACKLOG")


APPLICATIONS = Grouping(
    "application",
    "app-",
    Application,
    Members("SourceServer", "servers", "application_id", server_of),
    application_status,
    filters=(("waveIDs", "wave_id"),),
    extra=lambda app: {"waveID": app.wave_id},
)


def application_of(mgn: Mgn, application_id: str) -> Application:
    return APPLICATIONS.find(mgn, application_id)


def application_view(mgn: Mgn, app: Application) -> dict[str, Any]:
    return APPLICATIONS.view(mgn, app)


OPERATIONS = {
    "CreateApplication": APPLICATIONS.create,
    "ListApplications": APPLICATIONS.list,
    "UpdateApplication": APPLICATIONS.update,
    "ArchiveApplication": APPLICATIONS.archive,
    "UnarchiveApplication": APPLICATIONS.unarchive,
    "DeleteApplication": APPLICATIONS.delete,
    "AssociateSourceServers": APPLICATIONS.associate,
    "DisassociateSourceServers": APPLICATIONS.disassociate,
}
