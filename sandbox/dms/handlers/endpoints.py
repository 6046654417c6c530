"""Endpoints: mysql, mariadb, aurora, postgres, aurora-postgresql and the sandbox-only sqlite (DatabaseName
is a file path); credentials by Username/Password or a Secrets Manager secret. Passwords are never returned."""

from __future__ import annotations

import time
from typing import Any

from sandbox.dms.engine.connect import SUPPORTED_ENGINES
from sandbox.dms.handlers.common import (
    Dms,
    already_exists,
    bad_state,
    check_identifier,
    created,
    described,
    endpoint,
    invalid,
    tasks_using,
    view,
)

ENGINE_DISPLAY = {
    "mysql": "MySQL",
    "mariadb": "MariaDB",
    "aurora": "Amazon Aurora MySQL",
    "postgres": "PostgreSQL",
    "aurora-postgresql": "Amazon Aurora PostgreSQL",
    "sqlite": "SQLite (sandbox)",
}
_COPIED = ("Username", "ServerName", "Port", "DatabaseName", "ExtraConnectionAttributes", "Password")


def _nested_secret(body: dict[str, Any]) -> str | None:
    for key in ("PostgreSQLSettings", "MySQLSettings"):
        settings = body.get(key) or {}
        if settings.get("SecretsManagerSecretId"):
            return settings["SecretsManagerSecretId"]
    return None


def _checked(dms: Dms, body: dict[str, Any]) -> tuple[str, str, str | None]:
    """(engine, endpoint type, secret id) of a valid CreateEndpoint body."""
    ident = body["EndpointIdentifier"]
    check_identifier(ident, "EndpointIdentifier")
    engine = body["EngineName"].lower()
    if engine not in SUPPORTED_ENGINES:
        raise invalid(
            f"EngineName {body['EngineName']!r} is not supported by the sandbox; use one of "
            f"{', '.join(sorted(SUPPORTED_ENGINES))}"
        )
    etype = body["EndpointType"].lower()
    if etype not in ("source", "target"):
        raise invalid(f"EndpointType must be source or target, got {body['EndpointType']!r}")
    if any(e["EndpointIdentifier"] == ident.lower() for e in dms.store.state.endpoints.values()):
        raise already_exists(f"Endpoint {ident} already exists")
    secret = body.get("SecretsManagerSecretId") or _nested_secret(body)
    if engine == "sqlite":
        if not body.get("DatabaseName"):
            raise invalid("A sqlite endpoint needs DatabaseName: the path of the database file")
    elif not secret and not (body.get("ServerName") and body.get("Username")):
        raise invalid("ServerName and Username (or SecretsManagerSecretId) are required for this engine")
    return engine, etype, secret


def create_endpoint(dms: Dms, body: dict[str, Any]) -> dict[str, Any]:
    engine, etype, secret = _checked(dms, body)
    store = dms.store
    ep_arn = store.arn("endpoint")
    ep: dict[str, Any] = {
        "EndpointIdentifier": body["EndpointIdentifier"].lower(),
        "EndpointType": etype.upper(),
        "EngineName": engine,
        "EngineDisplayName": ENGINE_DISPLAY[engine],
        "Status": "active",
        "EndpointArn": ep_arn,
        "SslMode": body.get("SslMode") or "none",
        "KmsKeyId": body.get("KmsKeyId") or f"arn:aws:kms:{store.region}:{store.account_id}:key/sandbox",
    }
    ep.update({key: body[key] for key in _COPIED if body.get(key) not in (None, "")})
    if secret:
        ep["_secret"] = secret
        settings_key = (
            "PostgreSQLSettings" if engine in ("postgres", "aurora-postgresql") else "MySQLSettings"
        )
        ep[settings_key] = {"SecretsManagerSecretId": secret}
        if body.get("SecretsManagerAccessRoleArn"):
            ep[settings_key]["SecretsManagerAccessRoleArn"] = body["SecretsManagerAccessRoleArn"]
        ep[settings_key].update({k: v for k, v in (body.get(settings_key) or {}).items() if k != "Password"})
    return created(dms, "Endpoint", ep, "Password")


def describe_endpoints(dms: Dms, body: dict[str, Any]) -> dict[str, Any]:
    return described(dms, body, "Endpoints", ("Password",), upper=("EndpointType",))


def delete_endpoint(dms: Dms, body: dict[str, Any]) -> dict[str, Any]:
    ep = endpoint(dms, body["EndpointArn"])
    if tasks_using(dms, ep["EndpointArn"], "SourceEndpointArn", "TargetEndpointArn"):
        raise bad_state(
            f"Endpoint {ep['EndpointIdentifier']} is used by replication tasks; delete them first"
        )
    ep["Status"] = "deleting"
    ep["_gone_at"] = time.time() + dms.timings.endpoint_delete_seconds
    return {"Endpoint": view(ep, "Password")}


OPERATIONS = {
    "CreateEndpoint": create_endpoint,
    "DescribeEndpoints": describe_endpoints,
    "DeleteEndpoint": delete_endpoint,
}
