"""DMS replication tasks as plan databases: endpoints, replication instance, mappings and settings.

Credentials are referenced, never copied: an endpoint's Secrets Manager secret becomes its `secret_arn`
(DescribeSecret gives the ARN; the secret's value is never read). An endpoint with a user name and password
stored in DMS gets a placeholder Airflow connection id, marked; DMS never returns the password and the
importer never asks for it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from botocore.exceptions import ClientError
from migration_plan.dms_format import check_task_settings
from migration_plan.model import ROLE_ARN_PATTERN, SECRET_ARN_PATTERN, Engine

from plan_import.aws_mgn import pages
from plan_import.draft import Draft, plan_name, unique

ENGINES = set(Engine.__args__)
SECRET_WORDS = re.compile(r"pass|secret|token|key", re.IGNORECASE)


def _described(dms: Any, operation: str, key: str) -> list[dict[str, Any]]:
    try:
        return pages(dms, operation, key)
    except ClientError as exc:  # DMS answers "nothing there" with ResourceNotFoundFault
        if exc.response["Error"]["Code"] == "ResourceNotFoundFault":
            return []
        raise


def _secret_reference(endpoint: dict[str, Any]) -> tuple[str | None, str | None]:
    for key, value in endpoint.items():
        if key.endswith("Settings") and isinstance(value, dict) and value.get("SecretsManagerSecretId"):
            return value["SecretsManagerSecretId"], value.get("SecretsManagerAccessRoleArn")
    return None, None


def _secret_arn(secrets: Any, secret_id: str) -> str | None:
    if re.match(SECRET_ARN_PATTERN, secret_id):
        return secret_id
    try:  # a name or partial ARN: DescribeSecret gives the full ARN (metadata only, never the value)
        return secrets.describe_secret(SecretId=secret_id)["ARN"]
    except ClientError:
        return None


def _credentials(draft: Draft, path: tuple, endpoint: dict[str, Any], secrets: Any, conn_id: str) -> dict:
    ident = endpoint["EndpointIdentifier"]
    secret_id, role = _secret_reference(endpoint)
    arn = _secret_arn(secrets, secret_id) if secret_id else None
    if arn:
        out = {"secret_arn": arn}
        if role and re.match(ROLE_ARN_PATTERN, role):
            out["secrets_access_role_arn"] = role
        return out
    why = (
        f"endpoint {ident}'s secret {secret_id!r} was not found"
        if secret_id
        else f"endpoint {ident} keeps a user name and password in DMS (not read)"
    )
    draft.guess((*path, "conn_id"), f"{why}: create this Airflow connection, or give secret_arn")
    draft.skip(f"endpoint {ident}: credentials not mapped ({why}); conn_id {conn_id} is a placeholder")
    return {"conn_id": conn_id}


def _endpoint(draft: Draft, path: tuple, endpoint: dict[str, Any], secrets: Any, conn_id: str) -> dict | None:
    engine = endpoint.get("EngineName")
    if engine not in ENGINES:
        return None
    out: dict[str, Any] = {"engine": engine}
    if engine != "sqlite":
        out["host"] = endpoint.get("ServerName") or "replace-with-host"
        if not endpoint.get("ServerName"):
            draft.guess((*path, "host"), f"endpoint {endpoint['EndpointIdentifier']} names no server")
        if endpoint.get("Port"):
            out["port"] = endpoint["Port"]
    out["database"] = endpoint.get("DatabaseName") or "replace-with-database"
    if not endpoint.get("DatabaseName"):
        draft.guess((*path, "database"), f"endpoint {endpoint['EndpointIdentifier']} names no database")
    if engine != "sqlite":
        out.update(_credentials(draft, path, endpoint, secrets, conn_id))
    attributes = endpoint.get("ExtraConnectionAttributes")
    if attributes and not SECRET_WORDS.search(attributes):
        out["extra_connection_attributes"] = attributes
    elif attributes:
        draft.skip(
            f"endpoint {endpoint['EndpointIdentifier']}: extra connection attributes left out (may hold a secret)"
        )
    return out


def _settings(draft: Draft, name: str, text: str | None) -> tuple[dict[str, Any], bool | None]:
    """Task settings the plan accepts, and EnableValidation (the plan says it as validation.dms_validation)."""
    settings = json.loads(text) if text else {}
    enable = settings.get("ValidationSettings", {}).pop("EnableValidation", None)
    bad = {issue.path[1:] for issue in check_task_settings(settings, ("s",))}
    for section_key in sorted(bad, key=str):
        section = settings.get(section_key[0])
        if len(section_key) == 1:
            settings.pop(section_key[0], None)
        elif isinstance(section, dict):
            section.pop(section_key[1], None)
    if bad:
        dropped = ", ".join(".".join(map(str, key)) for key in sorted(bad, key=str))
        draft.skip(f"database {name}: task settings left out (not in the plan's format): {dropped}")
    return {key: value for key, value in settings.items() if value != {}}, enable


def _instance(instance: dict[str, Any] | None) -> dict[str, Any]:
    if instance is None:
        return {}
    out: dict[str, Any] = {}
    if re.match(r"^[A-Za-z][A-Za-z0-9-]{0,62}$", instance.get("ReplicationInstanceIdentifier", "")):
        out["identifier"] = instance["ReplicationInstanceIdentifier"]
    if re.match(r"^dms\.[a-z0-9]+\.[a-z0-9]+$", instance.get("ReplicationInstanceClass", "")):
        out["instance_class"] = instance["ReplicationInstanceClass"]
    if 5 <= instance.get("AllocatedStorage", 0) <= 6144:
        out["allocated_storage_gb"] = instance["AllocatedStorage"]
    if isinstance(instance.get("MultiAZ"), bool):
        out["multi_az"] = instance["MultiAZ"]
    return out


def _database(draft: Draft, index: int, task: dict, context: dict, taken: set[str]) -> dict | None:
    ident = task["ReplicationTaskIdentifier"]
    name = unique(plan_name(ident), taken)
    path = ("databases", index)
    ends = {}
    for role, arn_key in (("source", "SourceEndpointArn"), ("target", "TargetEndpointArn")):
        endpoint = context["endpoints"].get(task.get(arn_key))
        ends[role] = endpoint and _endpoint(
            draft, (*path, role), endpoint, context["secrets"], f"{name}_{role}"
        )
        if not ends[role]:
            engine = endpoint.get("EngineName") if endpoint else "unknown (endpoint not found)"
            draft.skip(f"DMS task {ident}: {role} engine {engine} is not one the plan supports")
            taken.discard(name)
            return None
    ends["target"]["holds_data"] = False
    draft.guess((*path, "target", "holds_data"), "check whether the target already holds data")
    settings, enable = _settings(draft, name, task.get("ReplicationTaskSettings"))
    database: dict[str, Any] = {
        "name": name,
        "description": f"DMS task {ident} ({task.get('Status', 'unknown')})",
        "migration_type": task["MigrationType"],
        **ends,
    }
    instance = _instance(context["instances"].get(task.get("ReplicationInstanceArn")))
    if instance:
        database["replication_instance"] = instance
    database["table_mappings"] = {"rules": json.loads(task.get("TableMappings") or '{"rules": []}')["rules"]}
    if settings:
        database["task_settings"] = settings
    if enable is not None:
        database["validation"] = {"dms_validation": enable}
    return database


def read_databases(draft: Draft, dms: Any, secrets: Any) -> None:
    context = {
        "endpoints": {e["EndpointArn"]: e for e in _described(dms, "describe_endpoints", "Endpoints")},
        "instances": {
            i["ReplicationInstanceArn"]: i
            for i in _described(dms, "describe_replication_instances", "ReplicationInstances")
        },
        "secrets": secrets,
    }
    databases: list[dict[str, Any]] = []
    taken: set[str] = set()
    for task in _described(dms, "describe_replication_tasks", "ReplicationTasks"):
        database = _database(draft, len(databases), task, context, taken)
        if database is not None:
            databases.append(database)
    draft.data["databases"] = databases
