"""Plan entries for servers and waves, shared by the account importer and the CSV importers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from plan_import.draft import Draft, plan_name, unique

MAX_WAVE_SERVERS = 200  # MGN's limit per StartTest/StartCutover call (lint MIG009)

LINUX_WORDS = (
    "linux",
    "ubuntu",
    "debian",
    "centos",
    "red hat",
    "rhel",
    "suse",
    "amazon",
    "rocky",
    "alma",
    "oracle",
)


@dataclass
class ServerFacts:
    """What an import knows about one server; None where it does not know."""

    hostname: str
    source_server_id: str | None
    source_ip: str | None = None
    os_text: str | None = None
    disk_bytes: int | None = None
    launch: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)  # shown as the server's comment


def os_family(text: str | None) -> str | None:
    lowered = (text or "").lower()
    if "windows" in lowered:
        return "windows"
    if any(word in lowered for word in LINUX_WORDS):
        return "linux"
    return None


def clean_hostname(text: str) -> str:
    """Only letters, digits, '.' and '-' (the plan's hostname rule); anything else becomes '-'."""
    return re.sub(r"[^A-Za-z0-9.-]+", "-", text.strip()).strip("-.")[:253] or "unnamed"


def server_entry(draft: Draft, path: tuple, facts: ServerFacts, taken_hosts: set[str]) -> dict[str, Any]:
    hostname = unique(clean_hostname(facts.hostname), taken_hosts)
    entry: dict[str, Any] = {"hostname": hostname}
    if hostname != facts.hostname:
        draft.guess((*path, "hostname"), f"from {facts.hostname!r}, made to fit the hostname rule")
    if facts.source_server_id:
        entry["source_server_id"] = facts.source_server_id
    else:
        entry["source_server_id"] = "s-" + f"TODO{len(taken_hosts):013d}"
        draft.guess(
            (*path, "source_server_id"), "a placeholder: the server is not in MGN yet (install the agent)"
        )
    if facts.source_ip:
        entry["source_ip"] = facts.source_ip
    family = os_family(facts.os_text)
    if family:
        entry["os"] = family
    elif facts.os_text:
        draft.skip(f"server {hostname}: operating system {facts.os_text!r} is neither linux nor windows")
    if facts.disk_bytes:
        entry["disk_gb"] = max(round(facts.disk_bytes / 1024**3, 3), 0.001)
    if facts.launch:
        entry["launch"] = facts.launch
    if facts.notes:
        draft.note((*path, "source_server_id"), "; ".join(facts.notes))
    return entry


def waves_from_groups(
    draft: Draft, groups: list[tuple[str, str, list[ServerFacts]]], unassigned: list[ServerFacts]
) -> None:
    """groups: (wave name as the source spells it, description, servers) in order. Servers in no wave go
    into a wave named 'unassigned', marked as guessed."""
    waves: list[dict[str, Any]] = []
    taken_waves: set[str] = set()
    taken_hosts: set[str] = set()
    if unassigned:
        groups = [*groups, ("unassigned", "Servers that are in no wave of the source.", unassigned)]
    for source_name, description, servers in _split(draft, groups):
        if not servers:
            draft.skip(f"wave {source_name!r}: no servers (a plan wave needs at least one)")
            continue
        index = len(waves)
        name = unique(plan_name(source_name), taken_waves)
        wave: dict[str, Any] = {"name": name}
        if description:
            wave["description"] = description
        wave["servers"] = [
            server_entry(draft, ("waves", index, "servers", n), facts, taken_hosts)
            for n, facts in enumerate(servers)
        ]
        if source_name == "unassigned" and unassigned and servers[0] is unassigned[0]:
            draft.guess(("waves", index, "name"), "these servers are in no wave: move them into real waves")
        elif name != source_name:
            draft.guess(("waves", index, "name"), f"from {source_name!r}, made to fit the name rule")
        waves.append(wave)
    draft.data["waves"] = waves


def _split(draft: Draft, groups: list[tuple[str, str, list[ServerFacts]]]):
    """Waves over MGN's 200 servers per call become NAME, NAME-part-2, ... (said on stderr)."""
    for source_name, description, servers in groups:
        if len(servers) <= MAX_WAVE_SERVERS:
            yield source_name, description, servers
            continue
        draft.skip(f"wave {source_name!r}: {len(servers)} servers, split into waves of {MAX_WAVE_SERVERS}")
        for start in range(0, len(servers), MAX_WAVE_SERVERS):
            part = f"{source_name}-part-{start // MAX_WAVE_SERVERS + 1}"
            yield part, description, servers[start : start + MAX_WAVE_SERVERS]
