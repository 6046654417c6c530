"""DMS table mappings: parse and check the JSON, then resolve it against the source into per-table plans.

Supported rule types:
- selection: include / exclude / explicit, `%` wildcards in schema and table names (not for explicit),
  source filters (eq, noteq, gte, lte, ste, between, notbetween, null, notnull), load-order;
- transformation on schema / table / column: rename, add-prefix, remove-prefix, replace-prefix, add-suffix,
  remove-suffix, replace-suffix, convert-lowercase, convert-uppercase, remove-column, add-column,
  change-data-type, define-primary-key (rule-target table);
- table-settings: parallel-load (type ranges, none; partitions-auto / partitions-list / subpartitions-auto
  load the whole table as one segment: the sandbox engines have no partitions), lob-settings.
Object locators name *source* objects; transformations apply in rule-id order.
Errors raise `InvalidTableMappings` with a message saying which rule and which field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sandbox import strict_json

from .errors import InvalidTableMappings
from .rules import Rule, matches, parse_rule
from .types import DmsType


@dataclass(frozen=True)
class SourceColumn:
    name: str
    type: DmsType
    nullable: bool = True


@dataclass(frozen=True)
class SourceTable:
    schema: str
    name: str
    columns: tuple[SourceColumn, ...]
    primary_key: tuple[str, ...]


@dataclass(frozen=True)
class ColumnFilter:
    column: str
    operator: str
    value: Any = None
    start: Any = None
    end: Any = None


@dataclass
class ColumnPlan:
    source: str | None  # None: an add-column column
    target: str
    type: DmsType  # on the target
    source_type: DmsType | None
    nullable: bool = True
    expression: str | None = None  # add-column: SQLite expression, `$col` names source columns


@dataclass
class TablePlan:
    source_schema: str
    source_table: str
    target_schema: str
    target_table: str
    columns: list[ColumnPlan]
    primary_key: list[str]  # target column names
    filters: list[ColumnFilter] = field(default_factory=list)
    parallel_ranges: list[list[Any]] | None = None  # boundaries for parallel-load ranges
    parallel_columns: list[str] | None = None  # source columns of the ranges
    lob_max_bytes: int | None = None  # per-table lob-settings override; None: task setting
    lob_mode: str | None = None  # "none" | "limited" | "unlimited" from lob-settings
    load_order: int = 0

    @property
    def source_key(self) -> list[str]:
        """Source columns of the target primary key (empty when a key column is computed)."""
        by_target = {c.target: c for c in self.columns}
        out = []
        for name in self.primary_key:
            column = by_target.get(name)
            if column is None or column.source is None:
                return []
            out.append(column.source)
        return out


class TableMappings:
    """A checked table-mapping document."""

    def __init__(self, rules: list[Rule], document: dict[str, Any]) -> None:
        self.rules = sorted(rules, key=Rule.order)
        self.document = document

    @classmethod
    def parse(cls, text: str) -> TableMappings:
        try:
            document = strict_json.loads(text)
        except (TypeError, ValueError) as exc:
            raise InvalidTableMappings(f"Invalid table mappings document: not valid JSON ({exc})") from exc
        if not isinstance(document, dict) or not isinstance(document.get("rules"), list):
            raise InvalidTableMappings("Invalid table mappings document: a 'rules' array is required")
        rules: list[Rule] = []
        seen_ids: set[str] = set()
        for index, raw in enumerate(document["rules"]):
            rules.append(parse_rule(raw, index, seen_ids))
        if not any(r.type == "selection" and r.action in ("include", "explicit") for r in rules):
            raise InvalidTableMappings(
                "Invalid table mappings document: at least one selection rule with rule-action "
                "'include' or 'explicit' is required"
            )
        return cls(rules, document)

    # Selection
    def selects(self, schema: str, table: str) -> bool:
        included = False
        for rule in self.rules:
            if rule.type != "selection":
                continue
            if not (
                matches(rule.locator.get("schema-name"), schema)
                and matches(rule.locator.get("table-name"), table)
            ):
                continue
            if rule.action == "exclude":
                return False
            included = True
        return included

    def schema_patterns(self) -> list[str]:
        return [
            str(r.locator.get("schema-name"))
            for r in self.rules
            if r.type == "selection" and r.action != "exclude"
        ]

    def explicit_tables(self) -> list[tuple[str, str]]:
        return [
            (str(r.locator["schema-name"]), str(r.locator["table-name"]))
            for r in self.rules
            if r.type == "selection" and r.action == "explicit"
        ]

    def plan(self, table: SourceTable, *, target_schema_override: str = "") -> TablePlan:
        """The per-table plan: target names, columns, key, filters, table settings."""
        schema, name = table.schema, table.name
        filters: list[ColumnFilter] = []
        load_order = 0
        for rule in self.rules:
            if rule.type == "selection" and rule.action != "exclude" and self._hits(rule, schema, name):
                filters.extend(_parse_filters(rule))
                load_order = max(load_order, int(rule.raw.get("load-order", 0) or 0))
        target_schema = target_schema_override or schema
        target_table = name
        columns = [ColumnPlan(c.name, c.name, c.type, c.type, c.nullable) for c in table.columns]
        primary_key = list(table.primary_key)
        source_names = {c.name for c in table.columns}
        for f in filters:
            if f.column not in source_names:
                raise InvalidTableMappings(
                    f"Invalid table mappings document: filter column '{f.column}' does not exist in {schema}.{name}"
                )

        plan = TablePlan(
            schema, name, target_schema, target_table, columns, primary_key, filters, load_order=load_order
        )
        for rule in self.rules:
            if rule.type == "transformation":
                self._apply(rule, table, plan, target_schema_override)
            elif rule.type == "table-settings" and self._hits(rule, schema, name):
                _apply_table_settings(rule, plan, source_names)
        return plan

    @staticmethod
    def _hits(rule: Rule, schema: str, table: str) -> bool:
        return matches(rule.locator.get("schema-name"), schema) and matches(
            rule.locator.get("table-name"), table
        )

    def _apply(self, rule: Rule, table: SourceTable, plan: TablePlan, schema_override: str) -> None:
        loc = rule.locator
        if not matches(loc.get("schema-name"), table.schema):
            return
        if rule.target == "schema":
            if not schema_override:
                plan.target_schema = _rename(rule, plan.target_schema)
        elif not matches(loc.get("table-name"), table.name):
            return
        elif rule.target == "table" and rule.action == "define-primary-key":
            _define_primary_key(rule, table, plan)
        elif rule.target == "table":
            plan.target_table = _rename(rule, plan.target_table)
        elif rule.action == "add-column":
            spec = rule.raw.get("data-type") or {"type": "string", "length": 50}
            column = ColumnPlan(
                None, str(rule.raw["value"]), _data_type(rule, spec), None, True, rule.raw.get("expression")
            )
            plan.columns.append(column)
        else:
            _apply_to_columns(rule, plan)


def _define_primary_key(rule: Rule, table: SourceTable, plan: TablePlan) -> None:
    names = []
    for column_name in rule.raw["primary-key-def"]["columns"]:
        match = next((c for c in plan.columns if c.source == column_name), None) or next(
            (c for c in plan.columns if c.target == column_name), None
        )
        if match is None:
            raise InvalidTableMappings(
                f"Invalid table mappings document: rule {rule.id}: primary key column "
                f"'{column_name}' is not a column of {table.schema}.{table.name}"
            )
        names.append(match.target)
    plan.primary_key = names
    for column in plan.columns:
        if column.target in names:
            column.nullable = False


def _apply_to_columns(rule: Rule, plan: TablePlan) -> None:
    """A rule-target column rule (other than add-column) on every source column it locates."""
    loc = rule.locator
    wanted_type = loc.get("data-type")
    for column in list(plan.columns):
        if column.source is None or not matches(loc.get("column-name"), column.source):
            continue
        if wanted_type and (
            column.source_type is None or column.source_type.name.lower() != str(wanted_type).lower()
        ):
            continue
        if rule.action == "remove-column":
            plan.columns.remove(column)
            plan.primary_key = [k for k in plan.primary_key if k != column.target]
        elif rule.action == "change-data-type":
            column.type = _data_type(rule, rule.raw["data-type"])
        else:
            old = column.target
            column.target = _rename(rule, column.target)
            plan.primary_key = [column.target if k == old else k for k in plan.primary_key]


def _data_type(rule: Rule, spec: Any) -> DmsType:
    if not isinstance(spec, dict):
        raise InvalidTableMappings(
            f"Invalid table mappings document: rule {rule.id}: data-type must be an object"
        )
    try:
        return DmsType.from_transformation(spec)
    except ValueError as exc:
        raise InvalidTableMappings(f"Invalid table mappings document: rule {rule.id}: {exc}") from exc


def _rename(rule: Rule, name: str) -> str:
    action, value, old = rule.action, rule.raw.get("value"), rule.raw.get("old-value")
    if action == "rename":
        return str(value)
    if action == "convert-lowercase":
        return name.lower()
    if action == "convert-uppercase":
        return name.upper()
    if action == "add-prefix":
        return f"{value}{name}"
    if action == "add-suffix":
        return f"{name}{value}"
    if action == "remove-prefix":
        return name[len(value) :] if name.startswith(str(value)) else name
    if action == "remove-suffix":
        return name[: -len(value)] if value and name.endswith(str(value)) else name
    if action == "replace-prefix":
        return f"{value}{name[len(old) :]}" if name.startswith(str(old)) else name
    if action == "replace-suffix":
        return f"{name[: -len(old)]}{value}" if old and name.endswith(str(old)) else name
    raise AssertionError(action)


def _apply_table_settings(rule: Rule, plan: TablePlan, source_names: set[str]) -> None:
    parallel = rule.raw.get("parallel-load")
    if parallel:
        kind = parallel.get("type")
        if kind == "ranges":
            columns = parallel.get("columns") or []
            boundaries = parallel.get("boundaries") or []
            for column in columns:
                if column not in source_names:
                    raise InvalidTableMappings(
                        f"Invalid table mappings document: rule {rule.id}: parallel-load column '{column}' "
                        f"does not exist in {plan.source_schema}.{plan.source_table}"
                    )
            plan.parallel_columns = list(columns)
            plan.parallel_ranges = [list(b) for b in boundaries]
    lob = rule.raw.get("lob-settings")
    if lob:
        plan.lob_mode = str(lob.get("mode", "limited"))
        if "bulk-max-size" in lob:
            plan.lob_max_bytes = int(lob["bulk-max-size"]) * 1024


def _parse_filters(rule: Rule) -> list[ColumnFilter]:
    out = []
    for f in rule.raw.get("filters") or []:
        for cond in f.get("filter-conditions") or []:
            out.append(
                ColumnFilter(
                    f["column-name"],
                    cond["filter-operator"],
                    cond.get("value"),
                    cond.get("start-value"),
                    cond.get("end-value"),
                )
            )
    return out
