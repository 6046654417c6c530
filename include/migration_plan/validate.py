"""Validate a plan file: every error at once, each located at file:line:column, never a traceback.

Order: YAML (syntax, duplicate keys) → literal secrets → the pydantic model → checks across sections
(names, references, DMS JSON). The cross-section checks read the raw data defensively so they still run
when a field elsewhere is wrong.
"""

from __future__ import annotations

import json
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from migration_plan.campaign import check_order
from migration_plan.dms_format import check_table_mapping_rules, check_task_settings, did_you_mean
from migration_plan.issues import Issue
from migration_plan.model import MigrationPlan
from migration_plan.secrets import find_literal_secrets
from migration_plan.yaml_source import SourceMap, load_yaml


@dataclass
class PlanResult:
    file: Path
    plan: MigrationPlan | None
    issues: list[Issue]
    # Table-mapping rules per database name, read from the plan or its mapping file.
    table_mappings: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    source_map: SourceMap = field(default_factory=SourceMap)

    @property
    def errors(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.severity == "error"]

    @property
    def ok(self) -> bool:
        return self.plan is not None and not self.errors


def validate_file(path: Path | str) -> PlanResult:
    path = Path(path)
    loaded = load_yaml(path)
    issues = list(loaded.issues)
    plan = None
    mappings: dict[str, list[dict[str, Any]]] = {}
    data = loaded.data
    if data is not None and not isinstance(data, dict):
        issues.append(
            Issue.error(
                "plan.not-a-mapping",
                (),
                "the plan must be a mapping with the keys plan, waves and databases",
                fix="start from include/plans/example.yaml",
            )
        )
    elif isinstance(data, dict):
        secret_issues = list(find_literal_secrets(data))
        issues += secret_issues
        secret_paths = {issue.path for issue in secret_issues}
        try:
            plan = MigrationPlan.model_validate(data)
        except ValidationError as exc:
            issues += [issue for issue in _from_pydantic(exc) if issue.path not in secret_paths]
        issues += list(_cross_checks(data))
        mapping_issues, mappings = _table_mappings(data, path)
        issues += mapping_issues
    located = [_locate(issue, str(path), loaded.source_map) for issue in issues]
    located.sort(key=lambda i: (i.position.line, i.position.column) if i.position else (0, 0))
    has_errors = any(issue.severity == "error" for issue in located)
    return PlanResult(path, None if has_errors else plan, located, mappings, loaded.source_map)


def _locate(issue: Issue, file: str, source_map: SourceMap) -> Issue:
    key = issue.code in {"plan.unknown-key", "yaml.duplicate-key"}
    return issue.located(file, source_map.position(issue.path, key=key))


# --- pydantic errors, in the plan's words ----------------------------------------------------------


def _unwrap(annotation: Any) -> Any:
    """The model class (or plain type) a value at this annotation is validated against."""
    args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    origin = typing.get_origin(annotation)
    if origin in (list, dict) and args:
        return args[-1]
    if args and origin is not typing.Literal:
        return _unwrap(args[0])
    return annotation


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The model class that validates the value at loc (list indexes are skipped)."""
    current: Any = MigrationPlan
    for part in loc:
        if isinstance(part, int):
            continue
        if (
            not (isinstance(current, type) and issubclass(current, BaseModel))
            or part not in current.model_fields
        ):
            return None
        current = _unwrap(current.model_fields[part].annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _field_at(loc: tuple):
    """The FieldInfo of the key at loc (trailing list indexes refer to items of that key)."""
    while loc and isinstance(loc[-1], int):
        loc = loc[:-1]
    if not loc:
        return None
    parent = _model_at(loc[:-1])
    return parent.model_fields.get(loc[-1]) if parent is not None else None


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _from_pydantic(exc: ValidationError):
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        kind = error["type"]
        name = loc[-1] if loc else ""
        if kind == "extra_forbidden":
            model = _model_at(loc[:-1])
            known = sorted(model.model_fields) if model else []
            yield Issue(
                "error",
                "plan.unknown-key",
                loc,
                f"unknown key '{name}'{did_you_mean(str(name), known)}",
                fix=f"remove it or correct its spelling; keys allowed here: {', '.join(known)}",
            )
            continue
        info = _field_at(loc)
        expected = info.description if info is not None and info.description else None
        fix = (info.json_schema_extra or {}).get("fix") if info is not None else None
        if kind == "missing":
            yield Issue.error(
                "plan.missing",
                loc,
                f"required key '{name}' is missing" + (f": expected {expected}" if expected else ""),
                fix=fix or f"add '{name}:' here",
            )
        elif kind in {"value_error", "assertion_error"}:
            message = error["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
            yield Issue.error("plan.invalid", loc, message, fix=fix)
        elif kind == "literal_error":
            yield Issue.error(
                "plan.invalid",
                loc,
                f"expected {error['ctx']['expected']}, got {_describe(error['input'])}",
                fix=fix,
            )
        else:
            what = expected or error["msg"].lower()
            if kind in {"model_type", "model_attributes_type", "dict_type"}:
                what = (expected or "a mapping") + " (a mapping of keys)"
            elif kind == "list_type":
                what = expected or "a list"
            yield Issue.error(
                "plan.invalid",
                loc,
                f"expected {what}, got {_describe(error['input'])}",
                fix=fix or _constraint_fix(error),
            )


def _constraint_fix(error: dict) -> str | None:
    ctx = error.get("ctx") or {}
    for key, words in (("ge", "at least"), ("gt", "more than"), ("le", "at most"), ("lt", "less than")):
        if key in ctx:
            return f"use a value {words} {ctx[key]}"
    if "min_length" in ctx:
        return f"give at least {ctx['min_length']} item(s) or character(s)"
    return None


# --- checks across sections -----------------------------------------------------------------------


def _named_items(data: dict, section: str):
    items = data.get(section)
    if not isinstance(items, list):
        return
    for index, item in enumerate(items):
        if isinstance(item, dict):
            yield index, item


def _cross_checks(data: dict):
    if not data.get("waves") and not data.get("databases"):
        yield Issue.error(
            "plan.nothing-to-migrate",
            (),
            "the plan has no waves and no databases",
            fix="add a waves: list of servers or a databases: list",
        )
    for section, singular in (("waves", "wave"), ("databases", "database")):
        seen: dict[str, int] = {}
        for index, item in _named_items(data, section):
            name = item.get("name")
            if isinstance(name, str) and name in seen:
                yield Issue.error(
                    "plan.duplicate-name",
                    (section, index, "name"),
                    f"{singular} name '{name}' is already used by {section}[{seen[name]}]",
                    fix=f"give every {singular} its own name: DAG ids are built from it",
                )
            elif isinstance(name, str):
                seen[name] = index
    database_names = {
        item.get("name") for _, item in _named_items(data, "databases") if isinstance(item.get("name"), str)
    }
    for wave_index, wave in _named_items(data, "waves"):
        yield from _duplicate_servers(wave, wave_index)
        depends = wave.get("depends_on_databases")
        if isinstance(depends, list):
            for dep_index, dep in enumerate(depends):
                if isinstance(dep, str) and dep not in database_names:
                    yield Issue.error(
                        "plan.unknown-reference",
                        ("waves", wave_index, "depends_on_databases", dep_index),
                        f"no database named '{dep}' in this plan{did_you_mean(dep, database_names)}",
                        fix=f"use one of: {', '.join(sorted(database_names)) or '(no databases defined)'}",
                    )
    yield from check_order(data)
    for db_index, database in _named_items(data, "databases"):
        yield from check_task_settings(
            database.get("task_settings"), ("databases", db_index, "task_settings")
        )
        yield from _validation_consistency(database, db_index)


def _duplicate_servers(wave: dict, wave_index: int):
    servers = wave.get("servers")
    if not isinstance(servers, list):
        return
    for field_name in ("source_server_id", "hostname"):
        seen: dict[str, int] = {}
        for index, server in enumerate(servers):
            value = server.get(field_name) if isinstance(server, dict) else None
            if not isinstance(value, str):
                continue
            if value in seen:
                yield Issue.error(
                    "plan.duplicate-server",
                    ("waves", wave_index, "servers", index, field_name),
                    f"{field_name} '{value}' appears twice in this wave (servers[{seen[value]}])",
                    fix="list each server once per wave",
                )
            else:
                seen[value] = index


def _validation_consistency(database: dict, db_index: int):
    settings = database.get("task_settings")
    validation = database.get("validation")
    if not isinstance(settings, dict) or not isinstance(validation, dict):
        return
    section = settings.get("ValidationSettings")
    plan_value = validation.get("dms_validation")
    if isinstance(section, dict) and isinstance(plan_value, bool):
        enabled = section.get("EnableValidation")
        if isinstance(enabled, bool) and enabled != plan_value:
            yield Issue.error(
                "plan.conflict",
                ("databases", db_index, "task_settings", "ValidationSettings", "EnableValidation"),
                f"EnableValidation is {str(enabled).lower()} but validation.dms_validation is "
                f"{str(plan_value).lower()}",
                fix="set validation.dms_validation only; the DAG writes EnableValidation from it",
            )


def _table_mappings(data: dict, plan_path: Path) -> tuple[list[Issue], dict[str, list[dict]]]:
    issues: list[Issue] = []
    resolved: dict[str, list[dict]] = {}
    for db_index, database in _named_items(data, "databases"):
        mappings = database.get("table_mappings")
        if not isinstance(mappings, dict):
            continue
        base = ("databases", db_index, "table_mappings")
        if isinstance(mappings.get("rules"), list) and "file" not in mappings:
            found = list(check_table_mapping_rules(mappings["rules"], (*base, "rules")))
            issues += found
            if not found and isinstance(database.get("name"), str):
                resolved[database["name"]] = mappings["rules"]
        elif isinstance(mappings.get("file"), str) and "rules" not in mappings:
            file_path = (plan_path.parent / mappings["file"]).resolve()
            where = (*base, "file")
            try:
                document = json.loads(file_path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                issues.append(
                    Issue.error(
                        "dms.table-mappings",
                        where,
                        f"table-mapping file '{mappings['file']}' not found (paths are relative to the plan's folder, {plan_path.parent.name}/)",
                        fix="give a path relative to the plan file, e.g. ../mappings/orders.json",
                    )
                )
                continue
            except (OSError, UnicodeDecodeError) as exc:
                issues.append(Issue.error("dms.table-mappings", where, f"cannot read {file_path}: {exc}"))
                continue
            except json.JSONDecodeError as exc:
                issues.append(
                    Issue.error(
                        "dms.table-mappings",
                        where,
                        f"{file_path.name}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg})",
                        fix="DMS table mappings are JSON: check commas and quotes there",
                    )
                )
                continue
            found = list(check_table_mapping_rules(document, where, where=f"{file_path.name}: "))
            issues += found
            if not found and isinstance(database.get("name"), str):
                resolved[database["name"]] = document["rules"] if isinstance(document, dict) else document
    return issues, resolved
