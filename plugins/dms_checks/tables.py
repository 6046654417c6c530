"""Judging a task's DescribeTableStatistics: full load finished, DMS validation finished or failed."""

from __future__ import annotations

from collections.abc import Callable
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


def _by_state(
    stats: list[dict[str, Any]],
    state_key: str,
    done: str,
    failed: frozenset[str],
    failure: Callable[[dict[str, Any], str], str],
) -> TablesReport:
    """Each table by its ``state_key``: ``done``, one of ``failed`` (described by ``failure``), or pending."""
    report = TablesReport()
    for stat in stats:
        name, state = table_name(stat), stat.get(state_key, "")
        if state == done:
            report.done.append(name)
        elif state in failed:
            report.failed[name] = failure(stat, state)
        else:
            report.pending[name] = state or "unknown"
    return report


def _load_failure(stat: dict[str, Any], state: str) -> str:
    errors = stat.get("FullLoadErrorRows")
    return f"{state}, {errors} error rows" if errors else state


def _validation_failure(stat: dict[str, Any], state: str) -> str:
    counts = [
        f"{stat[k]} {label}"
        for k, label in (("ValidationFailedRecords", "failed"), ("ValidationSuspendedRecords", "suspended"))
        if stat.get(k)
    ]
    details = stat.get("ValidationStateDetails")
    return ", ".join([state, *counts, *([details] if details else [])])


def evaluate_full_load(stats: list[dict[str, Any]]) -> TablesReport:
    """Every table ``Table completed``; an errored table is named with its state and error rows."""
    return _by_state(stats, "TableState", LOAD_DONE, LOAD_FAILED, _load_failure)


def evaluate_validation(stats: list[dict[str, Any]]) -> TablesReport:
    """Every table ``Validated``; a mismatch/suspension/error is named with DMS's counts and details."""
    return _by_state(stats, "ValidationState", VALIDATED, VALIDATION_FAILED, _validation_failure)
