"""Waves: create/list/update/archive/delete, applications associated with them, aggregated status."""

from __future__ import annotations

from sandbox.mgn.handlers.applications import APPLICATIONS, application_view
from sandbox.mgn.handlers.common import Mgn
from sandbox.mgn.handlers.groupings import Grouping, Members, aggregated
from sandbox.mgn.model import Application, Wave


def wave_status(mgn: Mgn, members: list[Application]) -> tuple[str, str]:
    """From the applications' aggregated statuses."""
    statuses = [application_view(mgn, a)["applicationAggregatedStatus"] for a in members]
    progress, health = {s["progressStatus"] for s in statuses}, {s["healthStatus"] for s in statuses}
    return aggregated(progress, health, {"NOT_STARTED"}, {"COMPLETED"}, "ERROR", "LAGGING")


WAVES = Grouping(
    "wave", "wave-", Wave, Members("Application", "applications", "wave_id", APPLICATIONS.find), wave_status
)


OPERATIONS = {
    "CreateWave": WAVES.create,
    "ListWaves": WAVES.list,
    "UpdateWave": WAVES.update,
    "ArchiveWave": WAVES.archive,
    "UnarchiveWave": WAVES.unarchive,
    "DeleteWave": WAVES.delete,
    "AssociateApplications": WAVES.associate,
    "DisassociateApplications": WAVES.disassociate,
}
