"""Is a wave's replication ready to launch? Evaluated from one DescribeSourceServers response."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# A server in one of these states will not become CONTINUOUS without someone acting (RetryDataReplication,
# StartReplication, reinstalling the agent): waiting longer only hides the problem.
TERMINAL_REPLICATION_STATES = frozenset({"STALLED", "STOPPED", "DISCONNECTED"})

_DURATION = re.compile(
    r"^P(?!$)(?:(?P<weeks>\d+(?:\.\d+)?)W)?(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)
_SECONDS = {"weeks": 604800, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}


def parse_iso8601_duration(value: str) -> float:
    """
    Seconds in an ISO-8601 duration such as ``PT2M30S``, ``P1DT2H`` or ``PT0.5S``.

    MGN reports ``lagDuration`` this way. Years and months are refused: their length in seconds is not
    defined, and a replication lag measured in months is a broken server anyway.
    """
    match = _DURATION.match(value.strip().upper()) if value else None
    if not match:
        raise ValueError(f"not an ISO-8601 duration of weeks/days/hours/minutes/seconds: {value!r}")
    return sum(float(v) * _SECONDS[k] for k, v in match.groupdict().items() if v)


@dataclass
class ReplicationReport:
    """Laggards may still catch up; blocked servers will not; missing IDs were not returned at all."""

    ready: list[str] = field(default_factory=list)
    laggards: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def all_ready(self) -> bool:
        return not (self.laggards or self.blocked or self.missing)

    def summary(self) -> str:
        parts = [f"{len(self.ready)} ready"]
        if self.laggards:
            parts.append("lagging: " + "; ".join(self.laggards))
        if self.blocked:
            parts.append("blocked: " + "; ".join(self.blocked))
        if self.missing:
            parts.append("not found: " + ", ".join(self.missing))
        return ", ".join(parts)


def _describe(server: dict[str, Any]) -> str:
    hints = server.get("sourceProperties", {}).get("identificationHints", {})
    name = hints.get("hostname") or hints.get("fqdn")
    return f"{server['sourceServerID']} ({name})" if name else server["sourceServerID"]


def evaluate_replication(
    servers: list[dict[str, Any]], source_server_ids: list[str], max_lag_seconds: float
) -> ReplicationReport:
    """Every wanted server CONTINUOUS with lag under ``max_lag_seconds``; says why for the others."""
    report = ReplicationReport()
    by_id = {s["sourceServerID"]: s for s in servers}
    for server_id in source_server_ids:
        server = by_id.get(server_id)
        if server is None:
            report.missing.append(server_id)
            continue
        info = server.get("dataReplicationInfo") or {}
        state = info.get("dataReplicationState", "UNKNOWN")
        lag_text = info.get("lagDuration")
        if state in TERMINAL_REPLICATION_STATES:
            error = info.get("dataReplicationError") or {}
            reason = f" error={error.get('error')}" if error.get("error") else ""
            report.blocked.append(f"{_describe(server)} state={state}{reason}")
            continue
        lag = parse_iso8601_duration(lag_text) if lag_text else None
        if state == "CONTINUOUS" and lag is not None and lag < max_lag_seconds:
            report.ready.append(server_id)
        else:
            shown = f"{lag_text} ({lag:.0f}s)" if lag is not None else "unknown"
            report.laggards.append(f"{_describe(server)} state={state} lag={shown}")
    return report
