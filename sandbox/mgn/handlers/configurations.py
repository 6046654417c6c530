"""Launch and replication configurations of a source server (only modelled members are ever stored)."""

from __future__ import annotations

from typing import Any

from sandbox.mgn.handlers.common import Mgn, Result, conflict, invalid, server_of


def get_launch_configuration(mgn: Mgn, body: dict[str, Any]) -> Result:
    return 200, dict(server_of(mgn, body["sourceServerID"]).launch_configuration)


def update_launch_configuration(mgn: Mgn, body: dict[str, Any]) -> Result:
    server = server_of(mgn, body["sourceServerID"])
    if server.is_archived:
        raise conflict(f"{server.id} is archived")
    for key, value in body.items():
        if key not in ("sourceServerID", "accountID"):
            server.launch_configuration[key] = value
    return 200, dict(server.launch_configuration)


def get_replication_configuration(mgn: Mgn, body: dict[str, Any]) -> Result:
    return 200, dict(server_of(mgn, body["sourceServerID"]).replication_configuration)


def update_replication_configuration(mgn: Mgn, body: dict[str, Any]) -> Result:
    server = server_of(mgn, body["sourceServerID"])
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


OPERATIONS = {
    "GetLaunchConfiguration": get_launch_configuration,
    "UpdateLaunchConfiguration": update_launch_configuration,
    "GetReplicationConfiguration": get_replication_configuration,
    "UpdateReplicationConfiguration": update_replication_configuration,
}
