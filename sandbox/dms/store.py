"""DMS control-plane resources and their persistence (`<state_dir>/dms.json` through the world).

Resources are plain dicts (JSON-ready; times as epoch seconds; members starting with `_` are the sandbox's
own bookkeeping, never returned). Passwords are kept in the state file (it is the sandbox's own disk, like
AWS's encrypted store) and never returned by any API. The status sequences that only need time to pass
(creating -> available, deleting -> gone, ...) advance in `tick`.
"""

from __future__ import annotations

import secrets
import string
import time
from dataclasses import dataclass, field
from typing import Any

from sandbox.world import SandboxWorld

_ALPHABET = string.ascii_uppercase + string.digits


def resource_id() -> str:
    """AWS-style DMS resource id: 26 upper-case letters and digits."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(26))


@dataclass
class DmsTimings:
    """Seconds of the status sequences; small so tests and demos do not wait."""

    instance_create_seconds: float = 1.0
    instance_delete_seconds: float = 0.5
    task_create_seconds: float = 0.3
    task_start_seconds: float = 0.3
    task_delete_seconds: float = 0.3
    task_modify_seconds: float = 0.3
    endpoint_delete_seconds: float = 0.2
    cdc_publish_seconds: float = 5.0  # AWS/DMS metrics to the sandbox's CloudWatch every this many seconds


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
        for task in state.tasks.values():  # a full-load run does not survive a restart; CDC resumes
            cdc = task.get("MigrationType") in ("cdc", "full-load-and-cdc")
            if task.get("Status") in ("starting", "running") and cdc:
                continue  # TaskRuns.resume_running() continues it from its checkpoint
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


class DmsStore:
    """The resources of one sandbox world, its lock, its ARNs and its state file."""

    def __init__(self, world: SandboxWorld) -> None:
        self.world = world
        self.lock = world.lock
        self.region = world.region
        self.account_id = world.account_id
        self.state = DmsState.from_json(world.load_state("dms"))

    def arn(self, kind: str) -> str:
        """A new ARN; kind: rep (replication instance), endpoint, task."""
        return f"arn:aws:dms:{self.region}:{self.account_id}:{kind}:{resource_id()}"

    def save(self) -> None:
        with self.lock:
            self.world.save_state("dms", self.state.to_json())

    def tick(self, now: float) -> list[str]:
        """Advance what only needs time; returns the ARNs of the tasks that are now gone."""
        s = self.state
        for key, inst in list(s.instances.items()):
            if inst["ReplicationInstanceStatus"] == "creating" and now >= inst["_ready_at"]:
                inst["ReplicationInstanceStatus"] = "available"
            elif inst["ReplicationInstanceStatus"] == "deleting" and now >= inst["_gone_at"]:
                del s.instances[key]
        for key, ep in list(s.endpoints.items()):
            if ep["Status"] == "deleting" and now >= ep["_gone_at"]:
                del s.endpoints[key]
                for ckey in [c for c in s.connections if c.endswith("|" + key)]:
                    del s.connections[ckey]
        gone = []
        for key, task in list(s.tasks.items()):
            status = task["Status"]
            if status == "creating" and now >= task["_ready_at"]:
                task["Status"] = "ready"
            elif status == "modifying" and now >= task["_ready_at"]:
                task["Status"] = task.pop("_after_modify", "ready")
            elif status == "deleting" and now >= task["_gone_at"]:
                del s.tasks[key]
                gone.append(key)
        return gone
