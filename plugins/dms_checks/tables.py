"""Judging a task's DescribeTableStatistics: full load finished, DMS validation finished or failed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LOAD_DONE = "Table completed"
LOAD_FAILED = frozenset({"Table error", "Table cancelled", "Table does not exist"})
VALIDATED = "Validated"
VALIDATION_FAILED = frozenset(
    {"Mismatched records", "Suspended records", "No primary key", "Table error", "Error", "Not enabled"}
)


def table_name(stat: dict[str, Any]) -> str:
    return f"{stat.get('SchemaName')}.{stat.get('TableName')}"


@dataclass
class TablesReport:
    """Tables by outcome: done, pending (with their state) and failed (with their state and details)."""

    done: list[str] = field(default_factory=list)
    pending: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return bool(self.done) and not self.pending and not self.failed

    def summary(self) -> str:
        parts = [f"{len(self.done)} done"]
        if self.pending:
            parts.append("pending " + ", ".join(f"{t} ({s})" for t, s in sorted(self.pending.items())))
        if self.failed:
            parts.append("failed " + ", ".join(f"{t} ({s})" for t, s in sorted(self.failed.items())))
        return "; ".join(parts)


def evaluate_full_load(stats: list[dict[str, Any]]) -> TablesReport:
    """Every table ``Table completed``; an errored table is named with its state and error rows."""
    report = TablesReport()
    for stat in stats:
        name, state = table_name(stat), stat.get("TableState", "")
        if state == LOAD_DONE:
            report.done.append(name)
        elif state in LOAD_FAILED:
            errors = stat.get("FullLoadErrorRows")
            report.failed[name] = f"{state}, {errors} error rows" if errors else state
        else:
            report.pending[name] = state or "unknown"
    return report


def evaluate_validation(stats: list[dict[str, Any]]) -> TablesReport:
    """Every table ``Validated``; a mismatch/suspension/error is named with DMS's counts and details."""
    report = TablesReport()
    for stat in stats:
        name, state = table_name(stat), stat.get("ValidationState", "")
        if state == VALIDATED:
            report.done.append(name)
        elif state in VALIDATION_FAILED:
            counts = [
                f"{stat[k]} {label}"
                for k, label in (
                    ("ValidationFailedRecords", "failed"),
                    ("ValidationSuspendedRecords", "suspended"),
                )
                if stat.get(k)
            ]
            details = stat.get("ValidationStateDetails")
            report.failed[name] = ", ".join([state, *counts, *([details] if details else [])])
        else:
            report.pending[name] = state or "unknown"
    return report
