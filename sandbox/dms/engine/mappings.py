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

import re
from dataclasses import dataclass, field
from typing import Any

from sandbox import strict_json

from .errors import InvalidTableMappings
from .types import DmsType

SELECTION_ACTIONS = {"include", "exclude", "explicit"}
NAME_ACTIONS = {
    "rename",
    "add-prefix",
    "remove-prefix",
    "replace-prefix",
    "add-suffix",
    "remove-suffix",
    "replace-suffix",
    "convert-lowercase",
    "convert-uppercase",
}
COLUMN_ONLY_ACTIONS = {"remove-column", "add-column", "change-data-type"}
TABLE_ONLY_ACTIONS = {"define-primary-key"}
FILTER_OPERATORS = {"eq", "noteq", "gte", "lte", "ste", "between", "notbetween", "null", "notnull"}
PARALLEL_LOAD_TYPES = {"ranges", "none", "partitions-auto", "partitions-list", "subpartitions-auto"}


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


@dataclass(frozen=True)
class Rule:
    id: str
    type: str
    action: str
    target: str | None
    locator: dict[str, Any]
    raw: dict[str, Any]

    def order(self) -> tuple[int, Any]:
        return (0, int(self.id)) if self.id.isdigit() else (1, self.id)


def _pattern(value: str) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(re.escape(p) for p in value.split("%")) + "$", re.DOTALL)


def _matches(pattern: str | None, name: str) -> bool:
    if pattern is None:
        return True
    return bool(_pattern(str(pattern)).match(name))


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
            rules.append(_parse_rule(raw, index, seen_ids))
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
                _matches(rule.locator.get("schema-name"), schema)
                and _matches(rule.locator.get("table-name"), table)
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
        return _matches(rule.locator.get("schema-name"), schema) and _matches(
            rule.locator.get("table-name"), table
        )

    def _apply(self, rule: Rule, table: SourceTable, plan: TablePlan, schema_override: str) -> None:
        loc = rule.locator
        if not _matches(loc.get("schema-name"), table.schema):
            return
        if rule.target == "schema":
            if not schema_override:
                plan.target_schema = _rename(rule, plan.target_schema)
            return
        if not _matches(loc.get("table-name"), table.name):
            return
        if rule.target == "table":
            if rule.action == "define-primary-key":
                definition = rule.raw["primary-key-def"]
                names = []
                for column_name in definition["columns"]:
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
                return
            plan.target_table = _rename(rule, plan.target_table)
            return
        # rule-target column
        if rule.action == "add-column":
            spec = rule.raw.get("data-type") or {"type": "string", "length": 50}
            plan.columns.append(
                ColumnPlan(
                    None,
                    str(rule.raw["value"]),
                    _data_type(rule, spec),
                    None,
                    True,
                    rule.raw.get("expression"),
                )
            )
            return
        wanted_type = loc.get("data-type")
        for column in list(plan.columns):
            if column.source is None or not _matches(loc.get("column-name"), column.source):
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


def _fail(index: int, raw: Any, message: str) -> InvalidTableMappings:
    rule_id = raw.get("rule-id") if isinstance(raw, dict) else None
    where = f"rule {rule_id}" if rule_id is not None else f"rules[{index}]"
    return InvalidTableMappings(f"Invalid table mappings document: {where}: {message}")


def _parse_rule(raw: Any, index: int, seen_ids: set[str]) -> Rule:
    if not isinstance(raw, dict):
        raise _fail(index, raw, "a rule must be a JSON object")
    for key in ("rule-type", "rule-id", "rule-name"):
        if key not in raw:
            raise _fail(index, raw, f"'{key}' is required")
    rule_id = str(raw["rule-id"])
    if rule_id in seen_ids:
        raise _fail(index, raw, "rule-id is not unique")
    seen_ids.add(rule_id)
    kind = raw["rule-type"]
    locator = raw.get("object-locator")
    if not isinstance(locator, dict):
        raise _fail(index, raw, "'object-locator' is required")
    if kind == "selection":
        action = raw.get("rule-action")
        if action not in SELECTION_ACTIONS:
            raise _fail(index, raw, f"rule-action must be one of include, exclude, explicit, got {action!r}")
        for key in ("schema-name", "table-name"):
            if key not in locator:
                raise _fail(index, raw, f"object-locator '{key}' is required")
        if action == "explicit" and any("%" in str(locator[k]) for k in ("schema-name", "table-name")):
            raise _fail(index, raw, "explicit selection does not allow wildcards")
        for f in raw.get("filters") or []:
            if (
                not isinstance(f, dict)
                or f.get("filter-type", "source") != "source"
                or "column-name" not in f
            ):
                raise _fail(index, raw, "filters need filter-type 'source' and a column-name")
            conditions = f.get("filter-conditions")
            if not isinstance(conditions, list) or not conditions:
                raise _fail(index, raw, "filters need a non-empty filter-conditions array")
            for cond in conditions:
                op = cond.get("filter-operator") if isinstance(cond, dict) else None
                if op not in FILTER_OPERATORS:
                    raise _fail(index, raw, f"unknown filter-operator {op!r}")
                if op in ("between", "notbetween") and ("start-value" not in cond or "end-value" not in cond):
                    raise _fail(index, raw, f"filter-operator {op} needs start-value and end-value")
                if op not in ("between", "notbetween", "null", "notnull") and "value" not in cond:
                    raise _fail(index, raw, f"filter-operator {op} needs a value")
        return Rule(rule_id, kind, action, None, locator, raw)
    if kind == "transformation":
        action = raw.get("rule-action")
        target = raw.get("rule-target")
        if target not in ("schema", "table", "column"):
            raise _fail(index, raw, f"rule-target must be schema, table or column, got {target!r}")
        if action not in NAME_ACTIONS | COLUMN_ONLY_ACTIONS | TABLE_ONLY_ACTIONS:
            raise _fail(index, raw, f"unsupported rule-action {action!r}")
        if action in COLUMN_ONLY_ACTIONS and target != "column":
            raise _fail(index, raw, f"rule-action {action} needs rule-target column")
        if action in TABLE_ONLY_ACTIONS and target != "table":
            raise _fail(index, raw, f"rule-action {action} needs rule-target table")
        if "schema-name" not in locator:
            raise _fail(index, raw, "object-locator 'schema-name' is required")
        if target in ("table", "column") and "table-name" not in locator:
            raise _fail(index, raw, "object-locator 'table-name' is required")
        if target == "column" and action != "add-column" and "column-name" not in locator:
            raise _fail(index, raw, "object-locator 'column-name' is required")
        value_actions = ("rename", "add-prefix", "add-suffix", "remove-prefix", "remove-suffix", "add-column")
        if action in value_actions and not raw.get("value"):
            raise _fail(index, raw, f"rule-action {action} needs a value")
        if action in ("replace-prefix", "replace-suffix") and ("value" not in raw or "old-value" not in raw):
            raise _fail(index, raw, f"rule-action {action} needs value and old-value")
        if action == "change-data-type" and not isinstance(raw.get("data-type"), dict):
            raise _fail(index, raw, "change-data-type needs a data-type object")
        if action == "define-primary-key":
            definition = raw.get("primary-key-def")
            if not isinstance(definition, dict) or not definition.get("columns"):
                raise _fail(index, raw, "define-primary-key needs primary-key-def with columns")
        if action in ("change-data-type", "add-column") and raw.get("data-type") is not None:
            try:
                DmsType.from_transformation(raw["data-type"])
            except (ValueError, AttributeError) as exc:
                raise _fail(index, raw, str(exc)) from exc
        return Rule(rule_id, kind, action, target, locator, raw)
    if kind == "table-settings":
        parallel = raw.get("parallel-load")
        if parallel is not None:
            if not isinstance(parallel, dict) or parallel.get("type") not in PARALLEL_LOAD_TYPES:
                raise _fail(index, raw, f"parallel-load type must be one of {sorted(PARALLEL_LOAD_TYPES)}")
            if parallel["type"] == "ranges":
                columns, boundaries = parallel.get("columns"), parallel.get("boundaries")
                if not columns or not isinstance(boundaries, list):
                    raise _fail(index, raw, "parallel-load ranges needs columns and boundaries")
                if any(not isinstance(b, list) or len(b) != len(columns) for b in boundaries):
                    raise _fail(index, raw, "each parallel-load boundary needs one value per column")
        return Rule(rule_id, kind, "table-settings", None, locator, raw)
    raise _fail(index, raw, f"unsupported rule-type {kind!r}")
