"""Waves: create/list/update/archive/delete, applications associated with them, aggregated status."""

from __future__ import annotations

from typing import Any

from sandbox.mgn.handlers.applications import application_of, application_view
from sandbox.mgn.handlers.common import Mgn, Result, conflict
from sandbox.mgn.handlers.groupings import Grouping
from sandbox.mgn.model import Wave
from sandbox.shapes import prune


def wave_of(mgn: Mgn, wave_id: str) -> Wave:
    return WAVES.find(mgn, wave_id)


def wave_view(mgn: Mgn, wave: Wave) -> dict[str, Any]:
    apps = [application_view(mgn, a) for a in mgn.store.applications.values() if a.wave_id == wave.id]
    progress_states = {a["applicationAggregatedStatus"]["progressStatus"] for a in apps}
    health_states = {a["applicationAggregatedStatus"]["healthStatus"] for a in apps}
    if not apps or progress_states == {"NOT_STARTED"}:
        progress = "NOT_STARTED"
    elif progress_states == {"COMPLETED"}:
        progress = "COMPLETED"
    else:
        progress = "IN_PROGRESS"
    health = "ERROR" if "ERROR" in health_states else "LAGGING" if "LAGGING" in health_states else "HEALTHY"
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


def delete_wave(mgn: Mgn, body: dict[str, Any]) -> Result:
    wave = wave_of(mgn, body["waveID"])
    if any(a.wave_id == wave.id for a in mgn.store.applications.values()):
        raise conflict(f"Wave {wave.id} still holds applications", resource_type="WAVE")
    del mgn.store.waves[wave.id]
    return 204, None


def associate_applications(mgn: Mgn, body: dict[str, Any]) -> Result:
    wave = wave_of(mgn, body["waveID"])
    apps = [application_of(mgn, a) for a in body["applicationIDs"]]
    taken = [(a.id, f"already in wave {a.wave_id}") for a in apps if a.wave_id not in (None, wave.id)]
    if taken:
        raise conflict("Applications already belong to another wave", taken, "APPLICATION")
    if wave.is_archived:
        raise conflict(f"Wave {wave.id} is archived", resource_type="WAVE")
    for app in apps:
        app.wave_id = wave.id
    return 200, {}


def disassociate_applications(mgn: Mgn, body: dict[str, Any]) -> Result:
    wave = wave_of(mgn, body["waveID"])
    for app_id in body["applicationIDs"]:
        app = application_of(mgn, app_id)
        if app.wave_id == wave.id:
            app.wave_id = None
    return 200, {}


WAVES = Grouping("WAVE", "wave", "A", "wave-", Wave, "waves", wave_view, (("waveIDs", "id"),))

OPERATIONS = {
    "CreateWave": WAVES.create,
    "ListWaves": WAVES.list,
    "UpdateWave": WAVES.update,
    "ArchiveWave": WAVES.archive,
    "UnarchiveWave": WAVES.unarchive,
    "DeleteWave": delete_wave,
    "AssociateApplications": associate_applications,
    "DisassociateApplications": disassociate_applications,
}
