"""A source server's MGN free period: counted from its first replication (``lifeCycle.firstByteDateTime``),
90 days; billing stops when its cutover is finalized (replication disconnected)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared.free_tier import FREE_PERIOD_START_FIELD, MGN_FREE_DAYS

SECONDS_PER_DAY = 86400


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def replication_ended(server: dict[str, Any]) -> datetime | None:
    """When the finalized cutover stopped replication (and the MGN clock), or None while it replicates."""
    finalized = ((server.get("lifeCycle") or {}).get("lastCutover") or {}).get("finalized") or {}
    return _time(finalized.get("apiCallDateTime"))


def free_period(server: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Days of the free period used and left (negative: billed days), from a DescribeSourceServers item."""
    life = server.get("lifeCycle") or {}
    started = _time(life.get(FREE_PERIOD_START_FIELD))
    ended = replication_ended(server)
    row: dict[str, Any] = {
        "source_server_id": server.get("sourceServerID"),
        "replication_started": started.isoformat() if started else None,
        "replication_stopped": ended.isoformat() if ended else None,
        "days_used": None,
        "free_days_left": float(MGN_FREE_DAYS),
        "archived": bool(server.get("isArchived")),
    }
    if started is not None:
        used = max(0.0, ((ended or now) - started).total_seconds() / SECONDS_PER_DAY)
        row["days_used"] = round(used, 2)
        row["free_days_left"] = round(MGN_FREE_DAYS - used, 2)
    return row
