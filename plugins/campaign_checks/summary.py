"""The campaign summary, from the latest run of each wave and database and the MGN source servers:
per wave its state, attempts, time taken, servers archived and each server's free days left."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from campaign_checks.free_tier import free_period
from campaign_checks.runs import Attempt


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


def run_summary(
    name: str, latest: Attempt, details: dict[str, Any] | None, done_elsewhere: bool, now: datetime
) -> dict[str, Any]:
    """One wave's or database's line: state, attempts, run id, start, end and minutes taken."""
    row: dict[str, Any] = {"name": name, "attempts": latest.number, "run_id": latest.run_id}
    if details is None:
        row["state"] = "success" if done_elsewhere else "not started"
        row.update(started=None, ended=None, minutes=None)
        if done_elsewhere:
            row["note"] = "finished by a run outside the campaign"
        return row
    start, end = details.get("start_date"), details.get("end_date")
    row.update(state=details["state"], started=_iso(start), ended=_iso(end), minutes=None)
    if isinstance(start, datetime):
        row["minutes"] = round(((end or now) - start).total_seconds() / 60, 1)
    return row


def wave_summary(run_row: dict[str, Any], servers: list[dict[str, Any]], now: datetime) -> dict[str, Any]:
    """The run's line plus its servers: how many are archived, and each one's free period."""
    periods = [free_period(server, now) for server in servers]
    lefts = [p["free_days_left"] for p in periods]
    return {
        **run_row,
        "servers": len(servers),
        "archived": sum(1 for p in periods if p["archived"]),
        "min_free_days_left": min(lefts) if lefts else None,
        "free_period": periods,
    }


def _cell(value: Any) -> str:
    return "-" if value is None else str(value)


def render_report(waves: list[dict[str, Any]], databases: list[dict[str, Any]]) -> str:
    """The summary as Markdown (task log and XCom)."""
    lines = [
        "| wave | state | attempts | minutes | archived | fewest free days left |",
        "|---|---|---|---|---|---|",
    ]
    for row in waves:
        archived = f"{row['archived']}/{row['servers']}"
        lines.append(
            f"| {row['name']} | {row['state']} | {row['attempts']} | {_cell(row['minutes'])} | {archived} | "
            f"{_cell(row['min_free_days_left'])} |"
        )
    lines += ["", "| server | wave | replicating since | stopped | days used | free days left |"]
    lines.append("|---|---|---|---|---|---|")
    for row in waves:
        for p in row["free_period"]:
            lines.append(
                f"| {p['source_server_id']} | {row['name']} | {_cell(p['replication_started'])} | "
                f"{_cell(p['replication_stopped'])} | {_cell(p['days_used'])} | {p['free_days_left']} |"
            )
    if databases:
        lines += ["", "| database | state | attempts | minutes |", "|---|---|---|---|"]
        lines += [
            f"| {r['name']} | {r['state']} | {r['attempts']} | {_cell(r['minutes'])} |" for r in databases
        ]
    return "\n".join(lines)
