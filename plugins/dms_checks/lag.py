"""Judging CDC latency: CDCLatencySource AND CDCLatencyTarget under a threshold for N consecutive points.

A quiet source reports CDCLatencySource 0 even while captured changes still wait to be applied; only the
target side shows that backlog. So both series must have at least N datapoints and the newest N of each
must all be at or under the threshold; a missing series never passes. The deferred path applies the same
rule as the ``cdc_latency_under`` waiter (``hooks/waiters/cloudwatch.json``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

METRICS = ("CDCLatencySource", "CDCLatencyTarget")


@dataclass(frozen=True)
class LagReport:
    passed: bool
    latest: dict[str, float | None]
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "latest": self.latest, "reason": self.reason}


def evaluate_lag(
    series: dict[str, list[tuple[datetime, float]]], max_lag_seconds: float, datapoints: int
) -> LagReport:
    latest = {m: (series.get(m) or [(None, None)])[-1][1] for m in METRICS}
    for metric in METRICS:
        points = series.get(metric) or []
        if len(points) < datapoints:
            return LagReport(False, latest, f"{metric}: {len(points)} of {datapoints} datapoints so far")
        over = [v for _, v in points[-datapoints:] if v > max_lag_seconds]
        if over:
            return LagReport(
                False,
                latest,
                f"{metric} over {max_lag_seconds:g}s in the last {datapoints} points (max {max(over):g}s)",
            )
    return LagReport(True, latest, f"both latencies <= {max_lag_seconds:g}s for {datapoints} datapoints")
