"""Checks for DMS's own JSON: table-mapping rules and task settings, as AWS DMS defines them.

The plan passes these documents to DMS unchanged, so a mistake here would only surface when CreateReplicationTask
fails, or worse, when a task silently migrates the wrong tables. Catch the common ones before.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from migration_plan.issues import Issue

# Every rule action AWS DMS documents. The sandbox keeps its own list of the ones it carries out (a separate
# program: no shared import); tests/unit/test_dms_rule_actions.py keeps the two from drifting apart.
RULE_ACTIONS = {
    "selection": {"include", "exclude", "explicit"},
    "transformation": {
        "rename",
        "remove-column",
        "include-column",
        "convert-lowercase",
        "convert-uppercase",
        "add-prefix",
        "remove-prefix",
        "replace-prefix",
        "add-suffix",
        "remove-suffix",
        "replace-suffix",
        "define-primary-key",
        "change-data-type",
        "add-column",
        "add-before-image-columns",
        "data-masking-digits-mask",
        "data-masking-digits-randomize",
        "data-masking-hash-mask",
    },
    "table-settings": set(),
}
TRANSFORMATION_TARGETS = {"schema", "table", "column", "table-tablespace", "index-tablespace"}

# Sections of the task settings JSON whose keys and value types we know; others pass through unchecked.
KNOWN_SETTINGS: dict[str, dict[str, type | tuple[type, ...] | set[str]]] = {
    "TargetMetadata": {
        "TargetSchema": str,
        "SupportLobs": bool,
        "FullLobMode": bool,
        "LobChunkSize": int,
        "LimitedSizeLobMode": bool,
        "LobMaxSize": int,
        "InlineLobMaxSize": int,
        "LoadMaxFileSize": int,
        "ParallelLoadThreads": int,
        "ParallelLoadBufferSize": int,
        "ParallelLoadQueuesPerThread": int,
        "ParallelApplyThreads": int,
        "ParallelApplyBufferSize": int,
        "ParallelApplyQueuesPerThread": int,
        "BatchApplyEnabled": bool,
        "TaskRecoveryTableEnabled": bool,
    },
    "FullLoadSettings": {
        "TargetTablePrepMode": {"DO_NOTHING", "DROP_AND_CREATE", "TRUNCATE_BEFORE_LOAD"},
        "CreatePkAfterFullLoad": bool,
        "StopTaskCachedChangesApplied": bool,
        "StopTaskCachedChangesNotApplied": bool,
        "MaxFullLoadSubTasks": int,
        "TransactionConsistencyTimeout": int,
        "CommitRate": int,
    },
    "ValidationSettings": {
        "EnableValidation": bool,
        "ValidationMode": {"ROW_LEVEL", "GROUP_LEVEL"},
        "ThreadCount": int,
        "PartitionSize": int,
        "FailureMaxCount": int,
        "RecordFailureDelayInMinutes": int,
        "RecordSuspendDelayInMinutes": int,
        "RecordFailureDelayLimitInMinutes": int,
        "MaxKeyColumnSize": int,
        "TableFailureMaxCount": int,
        "ValidationOnly": bool,
        "HandleCollationDiff": bool,
        "SkipLobColumns": bool,
        "ValidationPartialLobSize": int,
        "ValidationQueryCdcDelaySeconds": int,
    },
}
OTHER_SECTIONS = {
    "Logging",
    "ControlTablesSettings",
    "StreamBufferSettings",
    "ChangeProcessingTuning",
    "ChangeProcessingDdlHandlingPolicy",
    "ErrorBehavior",
    "PostProcessingRules",
    "CharacterSetSettings",
    "LoopbackPreventionSettings",
    "BeforeImageSettings",
    "FailTaskWhenCleanTaskResourceFailed",
    "TTSettings",
}
LIMITS = {
    ("FullLoadSettings", "MaxFullLoadSubTasks"): (1, 49),
    ("ValidationSettings", "ThreadCount"): (1, 64),
}


def did_you_mean(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _type_name(expected) -> str:
    if isinstance(expected, set):
        return "one of " + ", ".join(sorted(expected))
    return {bool: "true or false", int: "a whole number", str: "text"}.get(expected, str(expected))


def check_task_settings(settings: Any, path: tuple) -> Iterator[Issue]:
    if not isinstance(settings, dict):
        return  # the model reports the type
    for section, body in settings.items():
        spath = (*path, section)
        if section not in KNOWN_SETTINGS and section not in OTHER_SECTIONS:
            yield Issue.error(
                "dms.unknown-setting",
                spath,
                f"'{section}' is not a DMS task settings section{did_you_mean(section, [*KNOWN_SETTINGS, *OTHER_SECTIONS])}",
                fix="use DMS's own task settings keys (see the DMS user guide, 'Task settings')",
            )
            continue
        known = KNOWN_SETTINGS.get(section)
        if known is None:
            continue
        if not isinstance(body, dict):
            yield Issue.error("dms.bad-setting", spath, f"'{section}' must be a mapping of settings")
            continue
        for key, value in body.items():
            kpath = (*spath, key)
            if key not in known:
                yield Issue.error(
                    "dms.unknown-setting",
                    kpath,
                    f"'{key}' is not a setting of {section}{did_you_mean(key, known)}",
                    fix=f"known settings of {section}: {', '.join(sorted(known))}",
                )
                continue
            expected = known[key]
            if isinstance(expected, set):
                ok = isinstance(value, str) and value in expected
            elif expected is int:
                ok = isinstance(value, int) and not isinstance(value, bool)
            else:
                ok = isinstance(value, expected)
            if not ok:
                yield Issue.error(
                    "dms.bad-setting", kpath, f"expected {_type_name(expected)}, got {_describe(value)}"
                )
                continue
            limits = LIMITS.get((section, key))
            if limits and not limits[0] <= value <= limits[1]:
                yield Issue.error(
                    "dms.bad-setting", kpath, f"expected a value from {limits[0]} to {limits[1]}, got {value}"
                )


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_table_mapping_rules(document: Any, path: tuple, where: str = "") -> Iterator[Issue]:
    """Check DMS table-mapping rules. `where` prefixes messages when the rules come from a file."""
    rules = document.get("rules") if isinstance(document, dict) else document
    if not isinstance(rules, list) or not rules:
        yield Issue.error(
            "dms.table-mappings",
            path,
            f"{where}expected a non-empty list of rules",
            fix='give {"rules": [{"rule-type": "selection", ...}]} as in the DMS documentation',
        )
        return
    rule_issues, selections = _check_rules(rules, path, where)
    yield from rule_issues
    if selections == 0 and not rule_issues:
        yield Issue.error(
            "dms.table-mappings",
            path,
            f"{where}no selection rule includes any table: DMS would migrate nothing",
            fix='add a selection rule with "rule-action": "include"',
        )


def _check_rules(rules: list, path: tuple, where: str) -> tuple[list[Issue], int]:
    """Issues of each rule, and how many selection rules include tables."""
    found: list[Issue] = []
    seen: dict[str, dict[str, int]] = {"rule-id": {}, "rule-name": {}}  # value -> the rule that has it first
    selections = 0
    for index, rule in enumerate(rules):
        rpath = (*path, index) if not where else path
        label = f"{where}rules[{index}]: " if where else ""
        found += [
            Issue.error("dms.table-mappings", rpath, label + p) for p in _rule_problems(rule, index, seen)
        ]
        if isinstance(rule, dict) and rule.get("rule-type") == "selection" and _includes(rule):
            selections += 1
    return found, selections


def _includes(rule: dict) -> bool:
    return rule.get("rule-action") in ("include", "explicit")


def _rule_problems(rule: Any, index: int, seen: dict[str, dict[str, int]]) -> Iterator[str]:
    """What is wrong with one rule: its type first (nothing else is checked without one), then its members."""
    if not isinstance(rule, dict):
        yield "each rule must be a mapping"
        return
    rule_type = rule.get("rule-type")
    if not isinstance(rule_type, str) or rule_type not in RULE_ACTIONS:
        hint = did_you_mean(rule_type, RULE_ACTIONS) if isinstance(rule_type, str) else ""
        yield f"rule-type must be one of {', '.join(RULE_ACTIONS)}, got {_describe(rule_type)}{hint}"
        return
    for required in ("rule-id", "rule-name", "object-locator"):
        if required not in rule:
            yield f"'{required}' is missing from this {rule_type} rule"
    for key, first in seen.items():
        value = str(rule.get(key, ""))
        if value and value in first:
            yield f"{key} '{value}' is used twice (rules[{first[value]}])"
        first.setdefault(value, index)
    yield from _rule_member_problems(rule, rule_type)


def _rule_member_problems(rule: dict, rule_type: str) -> Iterator[str]:
    """The object-locator, rule-action and rule-target of a rule of a known type."""
    locator = rule.get("object-locator")
    # A schema transformation names only its schema (DMS: table-name is for table/column targets).
    needed = ("schema-name",) if rule.get("rule-target") == "schema" else ("schema-name", "table-name")
    if "object-locator" in rule and (
        not isinstance(locator, dict) or any(key not in locator for key in needed)
    ):
        yield f"object-locator needs {' and '.join(needed)}"
    action = rule.get("rule-action")
    allowed = RULE_ACTIONS[rule_type]
    if allowed and (not isinstance(action, str) or action not in allowed):
        hint = did_you_mean(action, allowed) if isinstance(action, str) else ""
        yield (
            f"rule-action of a {rule_type} rule must be one of {', '.join(sorted(allowed))}, "
            f"got {_describe(action)}{hint}"
        )
    target = rule.get("rule-target")
    if rule_type == "transformation" and (
        not isinstance(target, str) or target not in TRANSFORMATION_TARGETS
    ):
        yield f"rule-target must be one of {', '.join(sorted(TRANSFORMATION_TARGETS))}"
