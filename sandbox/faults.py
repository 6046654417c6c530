"""Fault injection: what AWS does to callers on a bad day, switchable from the config or at run time.

The router consults `request_fault` before any project-owned (and, if listed, moto) service sees a call;
MGN asks `launch_should_fail`, `replication_stalled` and `job_delay` at the matching moments. DMS can use
the same object through `world.faults`.
"""

from __future__ import annotations

import random
import threading
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class FaultSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    throttle_rate: float = Field(
        default=0.0, ge=0, le=1, description="share of calls answered 429 Throttling"
    )
    error_rate: float = Field(default=0.0, ge=0, le=1, description="share of calls answered 500")
    services: list[str] = Field(default_factory=lambda: ["mgn", "dms"])
    operations: list[str] = Field(default_factory=list, description="limit throttling/5xx to these; [] = all")
    fail_launch: list[str] = Field(default_factory=list, description="hostnames or sourceServerIDs")
    stall_replication: list[str] = Field(default_factory=list, description="hostnames or sourceServerIDs")
    job_delay_seconds: float = Field(default=0.0, ge=0, description="extra seconds added to every job step")
    hold_answers: dict[str, float] = Field(
        default_factory=dict,
        description="operation -> seconds its answer is held after the call was served (a reply that a "
        "caller dying meanwhile never reads)",
    )
    fail_dms_tasks: list[str] = Field(
        default_factory=list,
        description="DMS ReplicationTaskIdentifiers whose run fails (read by sandbox/dms)",
    )
    slow_dms_apply: list[str] = Field(
        default_factory=list,
        description="DMS ReplicationTaskIdentifiers whose CDC applies slower than changes arrive",
    )
    dms_apply_delay_seconds: float = Field(default=0.05, ge=0, description="per change, for slow_dms_apply")
    fail_dms_cdc: list[str] = Field(
        default_factory=list, description="DMS ReplicationTaskIdentifiers that fail during change processing"
    )
    unreachable_dms_sources: list[str] = Field(
        default_factory=list,
        description="DMS source EndpointIdentifiers (or task identifiers) whose database cannot be reached",
    )
    seed: int | None = None


class FaultInjector:
    """Thread-safe holder of the current fault settings and of how many faults were injected."""

    def __init__(self, settings: FaultSettings | None = None) -> None:
        self._lock = threading.Lock()
        self._initial = settings or FaultSettings()
        self._settings = self._initial.model_copy(deep=True)
        self._random = random.Random(self._settings.seed)
        self.injected: dict[str, int] = {"throttle": 0, "error": 0, "failed_launch": 0, "stall": 0}

    @property
    def settings(self) -> FaultSettings:
        with self._lock:
            return self._settings.model_copy(deep=True)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {**self._settings.model_dump(), "injected": dict(self.injected)}

    def update(self, patch: dict[str, Any]) -> dict[str, Any]:
        """Merge `patch` into the settings; `{"reset": true}` first returns to no faults at all."""
        patch = dict(patch)
        reset = bool(patch.pop("reset", False))
        with self._lock:
            base = FaultSettings() if reset else self._settings
            merged = FaultSettings.model_validate({**base.model_dump(), **patch})
            self._settings = merged
            if "seed" in patch:
                self._random = random.Random(merged.seed)
        return self.snapshot()

    def request_fault(self, service: str, operation: str | None = None) -> str | None:
        """'throttle', 'error' or None for one incoming call."""
        with self._lock:
            s = self._settings
            if service not in s.services or (s.operations and operation not in s.operations):
                return None
            if s.throttle_rate and self._random.random() < s.throttle_rate:
                self.injected["throttle"] += 1
                return "throttle"
            if s.error_rate and self._random.random() < s.error_rate:
                self.injected["error"] += 1
                return "error"
        return None

    def _names(self, field: str, *names: str) -> bool:
        with self._lock:
            listed = set(getattr(self._settings, field))
        return any(name in listed for name in names if name)

    def launch_should_fail(self, server_id: str, hostname: str) -> bool:
        failed = self._names("fail_launch", server_id, hostname)
        if failed:
            with self._lock:
                self.injected["failed_launch"] += 1
        return failed

    def replication_stalled(self, server_id: str, hostname: str) -> bool:
        return self._names("stall_replication", server_id, hostname)

    def count_stall(self) -> None:
        with self._lock:
            self.injected["stall"] += 1

    def answer_hold(self, operation: str | None) -> float:
        """Seconds to hold the answer to `operation` back (hold_answers), 0 when not listed."""
        with self._lock:
            return self._settings.hold_answers.get(operation or "", 0.0)

    def job_delay(self) -> float:
        with self._lock:
            return self._settings.job_delay_seconds
