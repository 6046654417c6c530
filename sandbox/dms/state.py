"""DMS control-plane resources and their persistence (`<state_dir>/dms.json` through the world).

Resources are plain dicts (JSON-ready; times as epoch seconds). Passwords are kept in the state file
(it is the sandbox's own disk, like AWS's encrypted store) and never returned by any API.
"""

from __future__ import annotations

import secrets
import string
import time
from dataclasses import dataclass, field
from typing import Any

_ALPHABET = string.ascii_uppercase + string.digits


def resource_id() -> str:
    """AWS-style DMS resource id: 26 upper-case letters and digits."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(26))


def arn(region: str, account_id: str, kind: str, rid: str) -> str:
    """kind: rep (replication instance), endpoint, task."""
    return f"arn:aws:dms:{region}:{account_id}:{kind}:{rid}"


@dataclass
class DmsState:
    instances: dict[str, dict[str, Any]] = field(default_factory=dict)
    endpoints: dict[str, dict[str, Any]] = field(default_factory=dict)
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    connections: dict[str, dict[str, Any]] = field(
        default_factory=dict
    )  # key: "<instance arn>|<endpoint arn>"

    def to_json(self) -> dict[str, Any]:
        return {
            "instances": self.instances,
            "endpoints": self.endpoints,
            "tasks": self.tasks,
            "connections": self.connections,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> DmsState:
        state = cls()
        if not data:
            return state
        state.instances = dict(data.get("instances") or {})
        state.endpoints = dict(data.get("endpoints") or {})
        state.tasks = dict(data.get("tasks") or {})
        state.connections = dict(data.get("connections") or {})
        now = time.time()
        for task in state.tasks.values():  # a run does not survive a restart
            if task.get("Status") in ("starting", "running", "stopping"):
                task["Status"] = "failed"
                task["StopReason"] = "Stop Reason RECOVERABLE_ERROR"
                task["LastFailureMessage"] = "The sandbox restarted while the task was running"
                task.setdefault("ReplicationTaskStats", {})["StopDate"] = now
        for conn in state.connections.values():
            if conn.get("Status") == "testing":
                conn["Status"] = "failed"
                conn["LastFailureMessage"] = "The sandbox restarted during the test"
        return state
