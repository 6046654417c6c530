"""Waves: create/list/update/archive/delete, applications associated with them, aggregated status."""

from __future__ import annotations

import time
from typing import Any

from sandbox.mgn.handlers.applications import application_of, application_view
from sandbox.mgn.handlers.common import Mgn, Result, conflict, not_found, paginate
from sandbox.mgn.model import Wave, new_id
from sandbox.shapes import prune


def wave_of(mgn: Mgn, wave_id: str) -> Wave:
    wave = mgn.store.waves.get(wave_id)
    if wave is None:
        raise not_found("WAVE", wave_id)
    return wave


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


def create_wave(mgn: Mgn, body: dict[str, Any]) -> Result:
    if any(w.name == body["name"] and not w.is_archived for w in mgn.store.waves.values()):
        raise conflict(f"A wave named {body['name']!r} already exists", resource_type="WAVE")
    wave_id = new_id("wave-")
    wave = Wave(
        wave_id,
        mgn.store.arn("wave", wave_id),
        body["name"],
        body.get("description"),
        body.get("tags") or {},
        time.time(),
    )
    mgn.store.waves[wave_id] = wave
    return 201, wave_view(mgn, wave)


def list_waves(mgn: Mgn, body: dict[str, Any]) -> Result:
    filters = body.get("filters") or {}
    waves = list(mgn.store.waves.values())
    if filters.get("waveIDs"):
        waves = [w for w in waves if w.id in set(filters["waveIDs"])]
    if "isArchived" in filters:
        waves = [w for w in waves if w.is_archived == filters["isArchived"]]
    page = paginate(waves, body)
    page["items"] = [wave_view(mgn, w) for w in page["items"]]
    return 200, page


def update_wave(mgn: Mgn, body: dict[str, Any]) -> Result:
    wave = wave_of(mgn, body["waveID"])
    if wave.is_archived:
        raise conflict(f"Wave {wave.id} is archived", resource_type="WAVE")
    wave.name = body.get("name", wave.name)
    wave.description = body.get("description", wave.description)
    return 200, wave_view(mgn, wave)


def archive_wave(mgn: Mgn, body: dict[str, Any]) -> Result:
    wave = wave_of(mgn, body["waveID"])
    wave.is_archived = True
    return 200, wave_view(mgn, wave)


def unarchive_wave(mgn: Mgn, body: dict[str, Any]) -> Result:
    wave = wave_of(mgn, body["waveID"])
    wave.is_archived = False
    return 200, wave_view(mgn, wave)


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


OPERATIONS = {
    "CreateWave": create_wave,
    "ListWaves": list_waves,
    "UpdateWave": update_wave,
    "ArchiveWave": archive_wave,
    "UnarchiveWave": unarchive_wave,
    "DeleteWave": delete_wave,
    "AssociateApplications": associate_applications,
    "DisassociateApplications": disassociate_applications,
}
