"""MGN's view of the account, as server facts grouped into waves: source servers (hostname, address,
replication state, launch settings) and MGN waves -> applications -> servers."""

from __future__ import annotations

from typing import Any

from plan_import.draft import Draft
from plan_import.servers import ServerFacts

DONE_STATES = {"CUTOVER", "DISCONNECTED"}  # already migrated: nothing left for a wave to do


def pages(client: Any, operation: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    return [item for page in client.get_paginator(operation).paginate(**kwargs) for item in page[key]]


def primary_ip(server: dict[str, Any]) -> str | None:
    interfaces = server.get("sourceProperties", {}).get("networkInterfaces", [])
    interfaces = sorted(interfaces, key=lambda nic: not nic.get("isPrimary"))
    for nic in interfaces:
        for ip in nic.get("ips", []):
            if ip.count(".") == 3:  # IPv4: the plan's source_ip and DNS A records
                return ip
    return None


def _launch(config: dict[str, Any]) -> dict[str, Any]:
    """GetLaunchConfiguration in the plan's words (only the fields the plan sets)."""
    out: dict[str, Any] = {}
    if config.get("targetInstanceTypeRightSizingMethod") in {"NONE", "BASIC", "IN_AWS"}:
        out["right_sizing"] = config["targetInstanceTypeRightSizingMethod"]
    for plan_key, aws_key in (("copy_private_ip", "copyPrivateIp"), ("copy_tags", "copyTags")):
        if isinstance(config.get(aws_key), bool):
            out[plan_key] = config[aws_key]
    if isinstance(config.get("licensing", {}).get("osByol"), bool):
        out["byol"] = config["licensing"]["osByol"]
    if config.get("launchDisposition") in {"STARTED", "STOPPED"}:
        out["launch_disposition"] = config["launchDisposition"]
    return out


def _facts(mgn: Any, server: dict[str, Any]) -> ServerFacts:
    props = server.get("sourceProperties", {})
    hints = props.get("identificationHints", {})
    replication = server.get("dataReplicationInfo", {})
    state = replication.get("dataReplicationState", "unknown")
    lag = replication.get("lagDuration")
    lifecycle = server.get("lifeCycle", {}).get("state", "unknown")
    hostname = hints.get("hostname") or (hints.get("fqdn") or "").split(".")[0] or server["sourceServerID"]
    config = mgn.get_launch_configuration(sourceServerID=server["sourceServerID"])
    disks = [disk.get("bytes", 0) for disk in props.get("disks", [])]
    return ServerFacts(
        hostname=hostname,
        source_server_id=server["sourceServerID"],
        source_ip=primary_ip(server),
        os_text=props.get("os", {}).get("fullString"),
        disk_bytes=sum(disks) or None,
        launch=_launch(config),
        notes=[f"MGN: replication {state}" + (f" (lag {lag})" if lag else "") + f", lifecycle {lifecycle}"],
    )


def read_waves(draft: Draft, mgn: Any) -> tuple[list[tuple[str, str, list[ServerFacts]]], list[ServerFacts]]:
    """(wave name, description, servers) per MGN wave in creation order, and the servers in no wave."""
    waves = [w for w in pages(mgn, "list_waves", "items") if not w.get("isArchived")]
    waves.sort(key=lambda w: (str(w.get("creationDateTime", "")), w["name"]))
    apps = {
        a["applicationID"]: a for a in pages(mgn, "list_applications", "items") if not a.get("isArchived")
    }
    members: dict[str, list[ServerFacts]] = {w["waveID"]: [] for w in waves}
    app_names: dict[str, list[str]] = {w["waveID"]: [] for w in waves}
    for app in apps.values():
        app_names.setdefault(app.get("waveID") or "", []).append(app["name"])
    unassigned: list[ServerFacts] = []
    for server in pages(mgn, "describe_source_servers", "items", filters={}):
        sid = server["sourceServerID"]
        lifecycle = server.get("lifeCycle", {}).get("state")
        if server.get("isArchived"):
            draft.skip(f"source server {sid}: archived in MGN")
            continue
        if lifecycle in DONE_STATES:
            draft.skip(f"source server {sid}: lifecycle {lifecycle}, already migrated")
            continue
        facts = _facts(mgn, server)
        wave_id = apps.get(server.get("applicationID") or "", {}).get("waveID")
        members.get(wave_id, unassigned).append(facts)
    groups = []
    for wave in waves:
        names = sorted(app_names.get(wave["waveID"], []))
        described = wave.get("description") or f"MGN wave {wave['name']}"
        groups.append(
            (
                wave["name"],
                f"{described} (applications: {', '.join(names) or 'none'})",
                members[wave["waveID"]],
            )
        )
    return groups, unassigned
