"""The MGN store: every resource of one sandbox world, its ARNs and its state file (`<state_dir>/mgn.json`).

The engines (`Launcher`, `Replicator`, source registration) and the API handlers all receive this store,
never the service. Changes happen under `world.lock`; `mark_dirty()` asks the persist loop to save soon
(replication progress), `mark_dirty(now=True)` saves at once (API changes, job steps). The apps registries
hold the running HTTP apps (runtime only, never saved).
"""

from __future__ import annotations

import threading
from typing import Any

from sandbox.apps import DiskApp
from sandbox.mgn.model import Application, Instance, Job, SourceServer, Wave
from sandbox.world import SandboxWorld


class MgnStore:
    def __init__(self, world: SandboxWorld) -> None:
        self.world = world
        self.root = world.state_dir / "mgn"
        self.instances_dir = self.root / "instances"
        self.servers: dict[str, SourceServer] = {}
        self.jobs: dict[str, Job] = {}
        self.waves: dict[str, Wave] = {}
        self.applications: dict[str, Application] = {}
        self.instances: dict[str, Instance] = {}  # by EC2 instance id
        self.source_apps: dict[str, DiskApp] = {}  # by source server id
        self.instance_apps: dict[str, DiskApp] = {}  # by EC2 instance id
        self._dirty = False
        self._persister: threading.Thread | None = None

    def arn(self, kind: str, resource_id: str) -> str:
        return f"arn:aws:mgn:{self.world.region}:{self.world.account_id}:{kind}/{resource_id}"

    # persistence -----------------------------------------------------------------------------------
    def restore(self) -> list[SourceServer]:
        """Load the state file (if any); returns the restored source servers."""
        stored = self.world.load_state("mgn") or {}
        for data in stored.get("servers", []):
            server = SourceServer.from_state(data)
            self.servers[server.id] = server
        for data in stored.get("jobs", []):
            job = Job.from_state(data)
            self.jobs[job.id] = job
        for data in stored.get("waves", []):
            self.waves[data["id"]] = Wave.from_state(data)
        for data in stored.get("applications", []):
            self.applications[data["id"]] = Application.from_state(data)
        for data in stored.get("instances", []):
            instance = Instance.from_state(data)
            self.instances[instance.ec2_instance_id] = instance
        return list(self.servers.values())

    def save(self) -> None:
        with self.world.lock:
            self._dirty = False
            self.world.save_state("mgn", self.to_state())

    def to_state(self) -> dict[str, Any]:
        return {
            "version": 1,
            "servers": [s.to_state() for s in self.servers.values()],
            "jobs": [j.to_state() for j in self.jobs.values()],
            "waves": [w.to_state() for w in self.waves.values()],
            "applications": [a.to_state() for a in self.applications.values()],
            "instances": [i.to_state() for i in self.instances.values()],
        }

    def mark_dirty(self, now: bool = False) -> None:
        self._dirty = True
        if now:
            self.save()

    def start_persisting(self) -> None:
        self._persister = threading.Thread(target=self._persist_loop, name="mgn-persist", daemon=True)
        self._persister.start()

    def _persist_loop(self) -> None:
        interval = self.world.config.timing.persist_interval_seconds
        while not self.world.stopping.wait(interval):
            if self._dirty:
                with self.world.lock:
                    self.save()

    # apps ------------------------------------------------------------------------------------------
    def stop_apps(self) -> None:
        for app in [*self.source_apps.values(), *self.instance_apps.values()]:
            app.stop()
        self.source_apps.clear()
        self.instance_apps.clear()
