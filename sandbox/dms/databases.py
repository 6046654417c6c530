"""From an endpoint resource to a real database: credentials resolved (Secrets Manager), connections tested.

The secret is read from the sandbox's own Secrets Manager (moto, through the world). Credentials are never
logged or returned; a failed connection says why without them.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from sandbox.dms.engine import Database, DmsEngineError, endpoint_url
from sandbox.dms.store import DmsStore


def read_secret(store: DmsStore, secret_id: str) -> dict[str, Any]:
    try:
        value = store.world.moto_backend("secretsmanager").get_secret_value(secret_id, None, None)
    except Exception as exc:
        raise DmsEngineError(f"Cannot read secret {secret_id}: {type(exc).__name__}") from exc
    try:
        data = json.loads(value.get("SecretString") or "{}")
    except ValueError as exc:
        raise DmsEngineError(f"Secret {secret_id} is not a JSON document") from exc
    if not isinstance(data, dict):
        raise DmsEngineError(f"Secret {secret_id} is not a JSON object")
    return data


def database(store: DmsStore, ep: dict[str, Any], role: str) -> Database:
    """The engine-side Database of an endpoint (credentials resolved, never logged)."""
    values = {
        "server": ep.get("ServerName"),
        "port": ep.get("Port"),
        "database": ep.get("DatabaseName"),
        "username": ep.get("Username"),
        "password": ep.get("Password"),
    }
    if ep.get("_secret"):
        secret = read_secret(store, ep["_secret"])
        values["username"] = secret.get("username", values["username"])
        values["password"] = secret.get("password", values["password"])
        values["server"] = secret.get("host", values["server"])
        values["port"] = int(secret["port"]) if secret.get("port") else values["port"]
        values["database"] = values["database"] or secret.get("dbname")
    url = endpoint_url(ep["EngineName"], **values)
    return Database(url, role, ep["EndpointIdentifier"])


def start_connection_test(store: DmsStore, key: str, conn: dict[str, Any], ep: dict[str, Any]) -> None:
    """Start a real connection attempt in a thread; `conn` (stored under `key`) turns successful or failed."""
    role = "source" if ep["EndpointType"] == "SOURCE" else "target"

    def attempt() -> None:
        status, message = "successful", None
        try:
            db = database(store, ep, role)
            try:
                db.check()
            finally:
                db.dispose()
        except DmsEngineError as exc:
            status, message = "failed", str(exc)
        except Exception as exc:  # never let a thread die silently
            status, message = "failed", f"{type(exc).__name__}: {exc}"
        with store.lock:
            if store.state.connections.get(key) is conn:
                conn["Status"] = status
                if message:
                    conn["LastFailureMessage"] = message
                else:
                    conn.pop("LastFailureMessage", None)
        store.save()

    threading.Thread(target=attempt, name=f"dms-test-{ep['EndpointIdentifier']}", daemon=True).start()
