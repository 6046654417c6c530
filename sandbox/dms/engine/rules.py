"""The rules of a DMS table-mapping document: their checked form (`Rule`), `%` patterns, and the checks.

Each check raises `InvalidTableMappings` naming the rule (its rule-id, else its index) and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

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
class Rule:
    id: str
    type: str
    action: str
    target: str | None
    locator: dict[str, Any]
    raw: dict[str, Any]

    def order(self) -> tuple[int, Any]:
        return (0, int(self.id)) if self.id.isdigit() else (1, self.id)


def pattern(value: str) -> re.Pattern[str]:
    """A DMS name pattern (`%` any run of characters) as a regular expression."""
    return re.compile("^" + ".*".join(re.escape(p) for p in value.split("%")) + "$", re.DOTALL)


def matches(wanted: str | None, name: str) -> bool:
    """Whether `name` matches the locator value `wanted` (absent: everything matches)."""
    if wanted is None:
        return True
    return bool(pattern(str(wanted)).match(name))


def _fail(index: int, raw: Any, message: str) -> InvalidTableMappings:
    rule_id = raw.get("rule-id") if isinstance(raw, dict) else None
    where = f"rule {rule_id}" if rule_id is not None else f"rules[{index}]"
    return InvalidTableMappings(f"Invalid table mappings document: {where}: {message}")


def parse_rule(raw: Any, index: int, seen_ids: set[str]) -> Rule:
    """One checked rule of a table-mapping document; `seen_ids` collects the rule ids so far."""
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
        _check_selection(raw, index, locator)
        return Rule(rule_id, kind, raw["rule-action"], None, locator, raw)
    if kind == "transformation":
        _check_transformation(raw, index, locator)
        return Rule(rule_id, kind, raw["rule-action"], raw["rule-target"], locator, raw)
    if kind == "table-settings":
        _check_table_settings(raw, index)
        return Rule(rule_id, kind, "table-settings", None, locator, raw)
    raise _fail(index, raw, f"unsupported rule-type {kind!r}")


def _check_selection(raw: dict[str, Any], index: int, locator: dict[str, Any]) -> None:
    action = raw.get("rule-action")
    if action not in SELECTION_ACTIONS:
        raise _fail(index, raw, f"rule-action must be one of include, exclude, explicit, got {action!r}")
    for key in ("schema-name", "table-name"):
        if key not in locator:
            raise _fail(index, raw, f"object-locator '{key}' is required")
    if action == "explicit" and any("%" in str(locator[k]) for k in ("schema-name", "table-name")):
        raise _fail(index, raw, "explicit selection does not allow wildcards")
    for f in raw.get("filters") or []:
        if not isinstance(f, dict) or f.get("filter-type", "source") != "source" or "column-name" not in f:
            raise _fail(index, raw, "filters need filter-type 'source' and a column-name")
        conditions = f.get("filter-conditions")
        if not isinstance(conditions, list) or not conditions:
            raise _fail(index, raw, "filters need a non-empty filter-conditions array")
        for cond in conditions:
            _check_condition(raw, index, cond)


def _check_condition(raw: dict[str, Any], index: int, cond: Any) -> None:
    op = cond.get("filter-operator") if isinstance(cond, dict) else None
    if op not in FILTER_OPERATORS:
        raise _fail(index, raw, f"unknown filter-operator {op!r}")
    if op in ("between", "notbetween") and ("start-value" not in cond or "end-value" not in cond):
        raise _fail(index, raw, f"filter-operator {op} needs start-value and end-value")
    if op not in ("between", "notbetween", "null", "notnull") and "value" not in cond:
        raise _fail(index, raw, f"filter-operator {op} needs a value")


def _check_transformation(raw: dict[str, Any], index: int, locator: dict[str, Any]) -> None:
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
    _check_transformation_values(raw, index, action)


def _check_transformation_values(raw: dict[str, Any], index: int, action: str) -> None:
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


def _check_table_settings(raw: dict[str, Any], index: int) -> None:
    parallel = raw.get("parallel-load")
    if parallel is None:
        return
    if not isinstance(parallel, dict) or parallel.get("type") not in PARALLEL_LOAD_TYPES:
        raise _fail(index, raw, f"parallel-load type must be one of {sorted(PARALLEL_LOAD_TYPES)}")
    if parallel["type"] == "ranges":
        columns, boundaries = parallel.get("columns"), parallel.get("boundaries")
        if not columns or not isinstance(boundaries, list):
            raise _fail(index, raw, "parallel-load ranges needs columns and boundaries")
        if any(not isinstance(b, list) or len(b) != len(columns) for b in boundaries):
            raise _fail(index, raw, "each parallel-load boundary needs one value per column")
