"""The plan's campaign: the order its waves start in, how many run at once, and the schedule that follows.

The campaign DAG (include/migration_dags/campaign.py) runs the waves in ``order`` (default: their order
under ``waves:``), each database before the waves that depend on it, at most ``max_waves_in_flight`` at
once. ``schedule`` replays those same rules in days, for the lint rule that warns when a wave would finish
after MGN's free period.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shared.free_tier import MGN_FREE_DAYS

from migration_plan import defaults as D
from migration_plan.dms_format import did_you_mean
from migration_plan.fields import F, StrictModel
from migration_plan.issues import Issue

if TYPE_CHECKING:
    from migration_plan.model import MigrationPlan, Wave

MAX_WAVES_IN_FLIGHT = 20


class Campaign(StrictModel):
    """How the campaign DAG runs the plan's waves."""

    order: list[str] | None = F(
        None,
        expected="the wave names in the order the campaign starts them, each once; when absent, the "
        "order of waves:",
    )
    max_waves_in_flight: int = F(
        D.CAMPAIGN["max_waves_in_flight"],
        expected=f"how many waves may run at the same time, a whole number from 1 to {MAX_WAVES_IN_FLIGHT}",
        ge=1,
        le=MAX_WAVES_IN_FLIGHT,
    )
    wave_days: float = F(
        D.CAMPAIGN["wave_days"],
        expected="days one wave takes from its start to its finalized cutover (for the free-period lint)",
        gt=0,
        le=365,
    )


def ordered_waves(plan: MigrationPlan) -> list[Wave]:
    """The waves in the order the campaign starts them (a validated plan names each wave once)."""
    if plan.campaign.order is None:
        return list(plan.waves)
    by_name = {wave.name: wave for wave in plan.waves}
    return [by_name[name] for name in plan.campaign.order]


def check_order(data: dict) -> Iterator[Issue]:
    """campaign.order must name every wave of the plan exactly once (read from the raw data)."""
    campaign = data.get("campaign")
    order = campaign.get("order") if isinstance(campaign, dict) else None
    if not isinstance(order, list):
        return
    waves = data.get("waves") if isinstance(data.get("waves"), list) else []
    names = [w.get("name") for w in waves if isinstance(w, dict) and isinstance(w.get("name"), str)]
    seen: dict[str, int] = {}
    for index, name in enumerate(order):
        if not isinstance(name, str):
            continue
        where = ("campaign", "order", index)
        if name not in names:
            yield Issue.error(
                "plan.unknown-reference",
                where,
                f"no wave named '{name}' in this plan{did_you_mean(name, names)}",
                fix=f"list the plan's waves: {', '.join(names) or '(no waves defined)'}",
            )
        elif name in seen:
            yield Issue.error(
                "plan.duplicate-name",
                where,
                f"wave '{name}' is already listed at campaign.order[{seen[name]}]",
                fix="list each wave once: a wave runs once per campaign",
            )
        else:
            seen[name] = index
    missing = [name for name in names if name not in order]
    if missing:
        yield Issue.error(
            "plan.incomplete-order",
            ("campaign", "order"),
            f"campaign.order leaves out {', '.join(repr(n) for n in missing)}: the campaign would never run "
            + ("them" if len(missing) > 1 else "it"),
            fix="add every wave to campaign.order, or remove order to run the waves as listed under waves:",
        )


@dataclass(frozen=True)
class WaveSlot:
    """When a wave starts and ends, in days from the campaign's start."""

    wave: str
    servers: int
    start_day: float
    end_day: float


def schedule(plan: MigrationPlan) -> list[WaveSlot]:
    """The campaign in days, by the DAG's rules: waves start in order, at most max_waves_in_flight at
    once, each after the databases it depends on are cut over (every database starts on day 0 and takes
    its expected_duration_days); each wave takes campaign.wave_days."""
    cutover_day = {db.name: float(db.expected_duration_days) for db in plan.databases}
    limit, days = plan.campaign.max_waves_in_flight, plan.campaign.wave_days
    slots: list[WaveSlot] = []
    for index, wave in enumerate(ordered_waves(plan)):
        start = max([0.0] + [cutover_day[name] for name in wave.depends_on_databases])
        if slots:
            start = max(start, slots[-1].start_day)  # waves start in order
        if index >= limit:
            start = max(start, slots[index - limit].end_day)  # a slot is free again
        slots.append(WaveSlot(wave.name, len(wave.servers), start, start + days))
    return slots


def past_free_period(plan: MigrationPlan) -> Iterator[tuple[int, WaveSlot]]:
    """(index in waves:, slot) of every wave the schedule finishes after MGN's free days, counting each
    server's replication from the campaign's start (the agents installed up front)."""
    index_of = {wave.name: index for index, wave in enumerate(plan.waves)}
    for slot in schedule(plan):
        if slot.end_day > MGN_FREE_DAYS:
            yield index_of[slot.wave], slot
