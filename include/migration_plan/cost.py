"""The plan's estimated AWS cost, from the dated price table in prices.yaml.

MGN: free for the first 90 days of each server's replication, then per server-hour. DMS: replication
instance hours by class plus its storage, for the days the plan expects each database to replicate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from migration_plan.model import MigrationPlan

PRICES_FILE = Path(__file__).with_name("prices.yaml")
HOURS_PER_MONTH = 730


@dataclass
class CostLine:
    item: str
    detail: str
    usd: float | None  # None: no price known for it


@dataclass
class CostEstimate:
    as_of: str
    region: str
    price_region: str
    lines: list[CostLine] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(line.usd for line in self.lines if line.usd is not None)

    @property
    def unpriced(self) -> list[CostLine]:
        return [line for line in self.lines if line.usd is None]


def load_prices(path: Path = PRICES_FILE) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def estimate(plan: MigrationPlan, prices: dict | None = None) -> CostEstimate:
    prices = prices or load_prices()
    result = CostEstimate(str(prices["as_of"]), plan.plan.region, prices["region"])
    mgn = prices["mgn"]
    for wave in plan.waves:
        hours = wave.expected_replication_days * 24
        billable = max(0, hours - mgn["free_hours_per_server"])
        usd = billable * mgn["per_server_hour"] * len(wave.servers)
        result.lines.append(
            CostLine(
                f"MGN wave {wave.name}",
                f"{len(wave.servers)} servers x {hours} h replicating, {mgn['free_hours_per_server']} h free each",
                usd,
            )
        )
    dms = prices["dms"]
    for database in plan.databases:
        instance = database.replication_instance
        hours = database.expected_duration_days * 24
        factor = dms["multi_az_factor"] if instance.multi_az else 1.0
        hourly = dms["instance_per_hour"].get(instance.instance_class)
        az = "Multi-AZ" if instance.multi_az else "single-AZ"
        result.lines.append(
            CostLine(
                f"DMS {database.name} instance",
                f"{instance.instance_class} {az} x {hours} h"
                + ("" if hourly is not None else " (no price: add it to prices.yaml)"),
                None if hourly is None else hourly * hours * factor,
            )
        )
        storage_usd = (
            instance.allocated_storage_gb * dms["storage_per_gb_month"] * factor * hours / HOURS_PER_MONTH
        )
        result.lines.append(
            CostLine(
                f"DMS {database.name} storage",
                f"{instance.allocated_storage_gb} GB x {hours} h",
                storage_usd,
            )
        )
    return result
