"""Reading DMS's validation failures table ``awsdms_validation_failures_v1`` on the target.

DMS writes one row per mismatched key: TASK_NAME (the task's resource id), TABLE_OWNER, TABLE_NAME,
FAILURE_TYPE (RECORD_DIFF, MISSING_SOURCE, MISSING_TARGET), KEY (JSON), and in newer tables KEY_TYPE and
DETAILS. Where the table lives: the control schema (``ControlTablesSettings.ControlSchema``, by default
``awsdms_control``) on PostgreSQL and MySQL, the file itself on SQLite; the sandbox keeps MySQL's in the
endpoint's own database, so both places are looked at. Only keys and column names are reported, never
row values (a mismatch summary lands in logs, XCom and gate bodies).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

TABLE = "awsdms_validation_failures_v1"
DEFAULT_CONTROL_SCHEMA = "awsdms_control"


@dataclass
class FailureSummary:
    """Counts per (table, failure type) and up to ``sample`` keys per table."""

    counts: Counter = field(default_factory=Counter)
    keys: dict[str, list[str]] = field(default_factory=dict)
    columns: dict[str, set[str]] = field(default_factory=dict)
    location: str | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def lines(self) -> list[str]:
        out = []
        for (table, kind), n in sorted(self.counts.items()):
            cols = sorted(self.columns.get(table, ()))
            diff = f" (columns {', '.join(cols)})" if cols and kind == "RECORD_DIFF" else ""
            keys = ", ".join(self.keys.get(table, [])[:5])
            out.append(f"{table}: {n} {kind}{diff}; keys {keys}")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "location": self.location,
            "by_table": [
                {"table": t, "failure_type": k, "count": n} for (t, k), n in sorted(self.counts.items())
            ],
            "sample_keys": self.keys,
        }


def _candidates(family: str, database: str | None, control_schema: str | None) -> list[str | None]:
    if family == "sqlite":
        return [None]
    schema = control_schema or DEFAULT_CONTROL_SCHEMA
    return [schema, None] if family == "mysql" and database else [schema]


def locate(engine: Any, family: str, control_schema: str | None = None) -> str | bool | None:
    """The schema holding the failures table (None: the default one), or False when there is none yet."""
    from sqlalchemy import inspect

    inspector = inspect(engine)
    for schema in _candidates(family, engine.url.database, control_schema):
        try:
            if inspector.has_table(TABLE, schema=schema):
                return schema
        except Exception:  # a missing schema/database reads as "not here"
            continue
    return False


def _key_text(raw: Any) -> str:
    try:
        return ",".join(str(v) for v in json.loads(raw).get("key", []))
    except (TypeError, ValueError, AttributeError):
        return str(raw)


def _diff_columns(raw: Any) -> list[str]:
    try:
        return [d["column"] for d in json.loads(raw).get("diff", [])]
    except (TypeError, ValueError, AttributeError, KeyError):
        return []


def read_summary(
    engine: Any, family: str, task_resource_id: str, control_schema: str | None = None, sample: int = 10
) -> FailureSummary:
    """Summarise the failures of one task (all of them counted, ``sample`` keys kept per table)."""
    from sqlalchemy import MetaData, Table, select

    summary = FailureSummary()
    schema = locate(engine, family, control_schema)
    if schema is False:
        return summary
    summary.location = f"{schema}.{TABLE}" if schema else TABLE
    table = Table(TABLE, MetaData(), autoload_with=engine, schema=schema)
    cols = {c.name.upper(): c for c in table.columns}
    wanted = [cols[n] for n in ("TABLE_OWNER", "TABLE_NAME", "FAILURE_TYPE", "KEY") if n in cols]
    if "DETAILS" in cols:
        wanted.append(cols["DETAILS"])
    query = select(*wanted).where(cols["TASK_NAME"] == task_resource_id)
    with engine.connect() as conn:
        for row in conn.execute(query):
            values = dict(zip([c.name.upper() for c in wanted], row, strict=True))
            name = f"{values.get('TABLE_OWNER')}.{values.get('TABLE_NAME')}"
            summary.counts[(name, values.get("FAILURE_TYPE"))] += 1
            keys = summary.keys.setdefault(name, [])
            if len(keys) < sample:
                keys.append(_key_text(values.get("KEY")))
            summary.columns.setdefault(name, set()).update(_diff_columns(values.get("DETAILS")))
    return summary


def failure_summary(
    target: dict[str, Any], aws: dict[str, Any], task_arn: str, control_schema: str | None = None
) -> FailureSummary:
    """The summary for a task, reading the target described by plain values (see ``hooks.databases``)."""
    from hooks.databases import DatabaseAddress, create_engine_for, engine_family
    from hooks.dms import resource_id

    address = DatabaseAddress.from_dict(target)
    engine = create_engine_for(address, aws)
    try:
        return read_summary(engine, engine_family(address.engine), resource_id(task_arn), control_schema)
    finally:
        engine.dispose()
