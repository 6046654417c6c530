"""Plain values the database DAG needs from the plan: DMS identifiers, endpoints, schemas, settings, texts."""

from __future__ import annotations

import re
from typing import Any

from migration_plan.model import Database, Endpoint, MigrationPlan

CDC_TYPES = ("full-load-and-cdc", "cdc")


def dms_identifier(*parts: str) -> str:
    """A DMS identifier: starts with a letter, letters/digits/single hyphens, no trailing hyphen, <= 63."""
    text = re.sub(r"[^A-Za-z0-9]+", "-", "-".join(parts)).strip("-").lower()
    text = re.sub(r"-{2,}", "-", text)
    if not text or not text[0].isalpha():
        text = "m-" + text
    return text[:63].rstrip("-")


def identifiers(plan: MigrationPlan, db: Database) -> dict[str, str]:
    base = dms_identifier(plan.plan.name, db.name)
    return {
        "instance": (db.replication_instance.identifier or base).lower(),
        "source": f"{base[:55]}-source",
        "target": f"{base[:55]}-target",
        "task": base,
    }


def address(endpoint: Endpoint) -> dict[str, Any]:
    """The endpoint as plain values for SQL access (hooks.databases.DatabaseAddress)."""
    values = {
        "engine": endpoint.engine,
        "database": endpoint.database,
        "host": endpoint.host,
        "port": endpoint.effective_port,
        "secret_arn": endpoint.secret_arn,
        "conn_id": endpoint.conn_id,
    }
    return {k: v for k, v in values.items() if v is not None}


def endpoint_kwargs(endpoint: Endpoint) -> dict[str, Any]:
    """The endpoint as DmsEndpointOperator's kwargs: its address (no port for sqlite) and the DMS settings."""
    values = {
        **address(endpoint),
        "secrets_access_role_arn": endpoint.secrets_access_role_arn,
        "extra_connection_attributes": endpoint.extra_connection_attributes,
    }
    if endpoint.engine == "sqlite":
        values.pop("port", None)
    return {k: v for k, v in values.items() if v is not None}


def task_settings(db: Database) -> dict[str, Any]:
    settings = {k: (dict(v) if isinstance(v, dict) else v) for k, v in db.task_settings.items()}
    if db.validation.dms_validation:
        settings["ValidationSettings"] = {**settings.get("ValidationSettings", {}), "EnableValidation": True}
    return settings


def _schema_rules(rules: list[dict[str, Any]]) -> tuple[str | None, str | None]:
    """(the selected source schema when one is named, its rename target when a schema rename exists)."""
    selected = rename = None
    for rule in rules:
        locator = rule.get("object-locator") or {}
        schema = locator.get("schema-name")
        kind, action = rule.get("rule-type"), rule.get("rule-action")
        if kind == "selection" and action in ("include", "explicit") and schema and "%" not in schema:
            selected = schema
        if kind == "transformation" and rule.get("rule-target") == "schema" and action == "rename":
            rename = rule.get("value")
    return selected, rename


def schemas(db: Database, rules: list[dict[str, Any]]) -> tuple[str | None, str | None]:
    """(source schema, target schema) as SQLAlchemy names them, following DMS's placement rules."""
    selected, rename = _schema_rules(rules)
    families = {"sqlite": "sqlite", "postgres": "pg", "aurora-postgresql": "pg"}
    src, tgt = families.get(db.source.engine, "mysql"), families.get(db.target.engine, "mysql")
    source = None if src == "sqlite" else (db.source.database if src == "mysql" else selected or "public")
    if tgt == "sqlite":
        target = None
    elif tgt == "mysql":
        target = db.target.database
    else:
        target = rename or (source if source is not None else "public")
    return source, target


def gx_kwargs(db: Database, rules: list[dict[str, Any]]) -> dict[str, Any]:
    gx = db.validation.great_expectations
    source_schema, target_schema = schemas(db, rules)
    return {
        "source": address(db.source),
        "target": address(db.target),
        "source_schema": source_schema,
        "target_schema": target_schema,
        "expectations": [e.model_dump() for e in gx.expectations],
        "sql_checks": [c.model_dump() for c in gx.sql_checks],
    }


def database_doc(plan: MigrationPlan, db: Database) -> str:
    cdc = db.migration_type in CDC_TYPES
    stages = [
        "replication instance",
        "endpoints",
        "connection tests",
        "task",
        "start",
        *(["full load", "DMS validation", "GX row checks"] if db.migration_type != "cdc" else []),
        "**approval: cut over?**",
        *(["source read-only"] if cdc and db.cutover.source_read_only else []),
        *(["CDC lag drained", "GX row checks (strict)", "stop task"] if cdc else []),
        *(["address switch"] if db.cutover.address_switch else []),
        "cutover Asset",
        "**approval: finalize?**",
        "cleanup",
    ]
    return (
        f"# Database `{db.name}` of plan `{plan.plan.name}`\n\n{db.description}\n\n"
        f"{db.migration_type}: {db.source.engine} `{db.source.database}` → {db.target.engine} "
        f"`{db.target.database}`.\n\n{' → '.join(stages)}.\n\n"
        "A failure or a rejection after the source went read-only makes it writable again and switches the "
        "address back (`rollback` group). The write downtime (read-only → address switched) is measured and "
        "shown at the finalize gate and in XCom `downtime`.\n"
    )
