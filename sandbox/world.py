"""The shared world the project-owned services live in: config, state directory, lock, faults, and moto.

MGN and DMS get the same `SandboxWorld`, so a launched instance can be registered in moto's EC2 backend and
DMS can publish CloudWatch metrics that a boto3 `cloudwatch` client then reads through the same endpoint.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sandbox.config import SandboxConfig
from sandbox.faults import FaultInjector
from sandbox.state import atomic_write_json, read_json


class SandboxWorld:
    def __init__(self, config: SandboxConfig, state_dir: Path) -> None:
        self.config = config
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.account_id = config.account_id
        self.region = config.region
        # One re-entrant lock for all service state: request threads, replication and job threads share it.
        self.lock = threading.RLock()
        self.faults = FaultInjector(config.faults)
        self.stopping = threading.Event()

    def moto_backend(self, service_name: str, region: str | None = None) -> Any:
        """moto's backend for this account and region, e.g. `world.moto_backend("ec2").describe_instances()`.

        moto keeps its state in process-wide globals: every sandbox in one process shares it.
        """
        from moto.backends import get_backend

        backends = get_backend(service_name)  # type: ignore[call-overload]
        return backends[self.account_id][region or self.region]

    def load_state(self, name: str) -> Any | None:
        """A service's stored document (state_dir/<name>.json), or None on a fresh start."""
        return read_json(self.state_dir / f"{name}.json")

    def save_state(self, name: str, data: Any) -> None:
        atomic_write_json(self.state_dir / f"{name}.json", data)

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)
