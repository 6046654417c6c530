"""The field reference of include/plans/README.md, generated from the model so it cannot drift.

`python -m migration_plan docs --write` refreshes the block between the markers; a test fails when the
README and the model disagree.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from migration_plan import model as M
from migration_plan.lint import RULES

README = Path(__file__).resolve().parent.parent / "plans" / "README.md"
BEGIN, END = "<!-- BEGIN GENERATED FIELDS -->", "<!-- END GENERATED FIELDS -->"
RULES_BEGIN, RULES_END = "<!-- BEGIN GENERATED RULES -->", "<!-- END GENERATED RULES -->"

SECTIONS: list[tuple[str, type[BaseModel]]] = [
    ("plan", M.PlanSettings),
    ("plan.notify[]", M.Notification),
    ("waves[]", M.Wave),
    ("waves[].servers[]", M.Server),
    ("servers[].launch", M.LaunchSettings),
    ("servers[].dns", M.DnsRecord),
    ("health_checks (on a wave or a server)", M.HealthChecks),
    ("health_checks.http[]", M.HttpCheck),
    ("health_checks.tcp[]", M.TcpCheck),
    ("health_checks.content_match[]", M.ContentMatch),
    ("databases[]", M.Database),
    ("databases[].source and .target", M.Endpoint),
    ("databases[].replication_instance", M.ReplicationInstance),
    ("databases[].table_mappings", M.TableMappings),
    ("databases[].validation", M.Validation),
    ("validation.great_expectations", M.GreatExpectations),
    ("great_expectations.expectations[]", M.GxExpectation),
    ("great_expectations.sql_checks[]", M.SqlCheck),
    ("databases[].cutover", M.Cutover),
    ("cutover.address_switch", M.AddressSwitch),
    ("address_switch.route53", M.DatabaseDnsRecord),
    ("databases[].cleanup", M.Cleanup),
    ("campaign", M.Campaign),
]


def _default(info) -> str:
    if info.is_required():
        return "**required**"
    value = info.default
    if isinstance(value, BaseModel):
        return "(its own defaults)"
    if value is None:
        return "none"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if value in ([], {}, ""):
        return "empty"
    return f"`{value}`"


def field_reference() -> str:
    out: list[str] = []
    for title, cls in SECTIONS:
        out += [f"### `{title}`", "", "| field | required / default | expected |", "|---|---|---|"]
        for name, info in cls.model_fields.items():
            expected = (info.description or "").replace("|", "\\|")
            out.append(f"| `{name}` | {_default(info)} | {expected} |")
        out.append("")
    return "\n".join(out)


def rule_reference() -> str:
    out = ["| id | severity | finds | fix |", "|---|---|---|---|"]
    out += [f"| {r.id} | {r.severity} | {r.title} | {r.fix} |" for r in RULES]
    return "\n".join(out)


def _replace(text: str, begin: str, end: str, body: str) -> str:
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{body}\n{end}{tail}"


def render_readme(text: str) -> str:
    text = _replace(text, BEGIN, END, field_reference())
    return _replace(text, RULES_BEGIN, RULES_END, rule_reference())
