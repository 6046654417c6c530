"""The replication agent and replication server, collapsed into one loop of the sandbox process.

Per tick and per source server: the source "app" writes its churn into the boot disk (and the agent's write
tracker marks those blocks dirty, as the real agent's driver does); the replicator then copies dirty blocks
to the staging disk within the bandwidth budget of the replication configuration, skipping blocks whose
hash already matches staging. States follow MGN: INITIATING (initiation steps), INITIAL_SYNC (real byte
progress), CONTINUOUS (lag measured from the last moment nothing was dirty), BACKLOG (churn outruns
bandwidth), RESCAN (after a sandbox restart), STALLED (fault, until RetryDataReplication).
"""

from __future__ import annotations

import hashlib
import os
import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.mgn.model import INITIATION_STEPS, SourceServer
from sandbox.mgn.store import MgnStore

MAX_TICK_BYTES = 32 * 1024 * 1024


def _hash(block: bytes) -> bytes:
    return hashlib.sha256(block).digest()  # SHA-NI makes it the fastest strong hash on x86 here


@dataclass
class _DiskRuntime:
    blocks: int
    cursor: int = 0  # next block of the initial full pass
    dirty: set[int] = field(default_factory=set)
    staging_hashes: list[bytes | None] = field(default_factory=list)


@dataclass
class _ServerRuntime:
    disks: dict[str, _DiskRuntime]
    carry: float = 0.0  # unused bandwidth budget below one block
    churn_carry: float = 0.0
    rng: random.Random = field(default_factory=random.Random)


class Replicator:
    """Owns the replication loop thread; all state changes happen under `world.lock`."""

    def __init__(self, store: MgnStore) -> None:
        self.store = store
        self.world = store.world
        self.block_size = store.world.config.replication.block_size_kb * 1024
        self.runtime: dict[str, _ServerRuntime] = {}
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.bytes_copied = 0

    # -- setup ---------------------------------------------------------------------------------------
    def attach(self, server: SourceServer, *, resumed: bool) -> None:
        """Prepare staging for a server; on a resumed (restarted) sandbox, rescan every block by hash."""
        disks: dict[str, _DiskRuntime] = {}
        for disk in server.disks:
            blocks = -(-disk.size // self.block_size)
            runtime = _DiskRuntime(blocks=blocks, staging_hashes=[None] * blocks)
            staging = Path(disk.staging_path)
            if not staging.exists():
                staging.parent.mkdir(parents=True, exist_ok=True)
                with staging.open("wb") as handle:
                    handle.truncate(disk.size)
            elif resumed:
                with staging.open("rb") as handle:
                    for index in range(blocks):
                        runtime.staging_hashes[index] = _hash(handle.read(self.block_size))
            if server.initial_sync_done:
                runtime.cursor = blocks
                if resumed:
                    runtime.dirty = set(range(blocks))
            else:
                runtime.cursor = disk.initial_synced_bytes // self.block_size
            disks[disk.device] = runtime
        self.runtime[server.id] = _ServerRuntime(disks=disks, rng=random.Random(server.id))
        if resumed and server.initial_sync_done and server.replication_state in ("CONTINUOUS", "BACKLOG"):
            server.replication_state = "RESCAN"
            for disk in server.disks:
                disk.rescanned_bytes = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="mgn-replicator", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        interval = self.world.config.timing.replication_tick_seconds
        last = time.time()
        while not self._stop.wait(interval):
            now = time.time()
            self.tick(now, now - last)
            last = now

    # -- one tick ------------------------------------------------------------------------------------
    def tick(self, now: float, dt: float) -> None:
        # The lock is taken per server, so API calls slip in between servers even when a tick is long.
        with self.world.lock:
            servers = list(self.store.servers.values())
        for server in servers:
            with self.world.lock:
                if server.id in self.runtime:
                    self._tick_server(server, now, dt)
        self.store.mark_dirty()

    def bandwidth(self, server: SourceServer) -> float:
        """Bytes per second: bandwidthThrottling (Mbps) if set, else the sandbox's link cap, else unlimited."""
        mbps = (
            server.replication_configuration.get("bandwidthThrottling")
            or self.world.config.replication.link_mbps
        )
        return mbps * 1_000_000 / 8 if mbps else float("inf")

    def _tick_server(self, server: SourceServer, now: float, dt: float) -> None:
        runtime = self.runtime[server.id]
        if server.app_enabled and server.churn_bytes_per_second and server.churn_extent:
            self._churn(server, runtime, dt)
        state = server.replication_state
        if state in ("STOPPED", "DISCONNECTED", "PAUSED"):
            return
        server.last_seen_at = now
        if state == "STALLED":
            return
        if self.world.faults.replication_stalled(server.id, server.hostname):
            server.replication_state = "STALLED"
            server.replication_error = {
                "error": "UNSTABLE_NETWORK",
                "rawError": "sandbox fault: the agent lost its connection to the replication server",
            }
            self.world.faults.count_stall()
            return
        if state == "INITIATING":
            step_seconds = self.world.config.timing.initiation_seconds / len(INITIATION_STEPS)
            elapsed = now - (server.initiation_started_at or now)
            done = len(INITIATION_STEPS) if step_seconds == 0 else int(elapsed / step_seconds)
            server.initiation_steps_done = min(done, len(INITIATION_STEPS))
            if server.initiation_steps_done >= len(INITIATION_STEPS):
                server.replication_state = "INITIAL_SYNC"
                server.replication_started_at = now
            return
        # An unthrottled link still moves at most MAX_TICK_BYTES per server per tick: bounds the lock hold.
        rate = min(self.bandwidth(server), MAX_TICK_BYTES / max(dt, 1e-3))
        budget = min(rate * dt + runtime.carry, MAX_TICK_BYTES)
        budget = self._copy(server, runtime, budget, now)
        copied_at = time.time()  # staging matches the source as of the end of this copy (churn came first)
        runtime.carry = min(budget, self.block_size)
        dirty_blocks = sum(len(d.dirty) for d in runtime.disks.values())
        pending_initial = any(d.cursor < d.blocks for d in runtime.disks.values())
        server.backlog_bytes = dirty_blocks * self.block_size
        if server.replication_state == "INITIAL_SYNC":
            remaining = sum((d.blocks - d.cursor) for d in runtime.disks.values()) * self.block_size
            server.eta_at = now + remaining / rate
            if not pending_initial and not dirty_blocks:
                server.initial_sync_done = True
                server.replication_state = "CONTINUOUS"
                server.last_consistent_at = copied_at
                if server.life_cycle_state == "NOT_READY":
                    server.life_cycle_state = "READY_FOR_TEST"
            return
        if not dirty_blocks:
            server.last_consistent_at = copied_at
            if server.replication_state in ("BACKLOG", "RESCAN"):
                server.replication_state = "CONTINUOUS"
        elif (
            server.replication_state == "CONTINUOUS"
            and server.backlog_bytes > rate * self.world.config.timing.backlog_after_seconds
        ):
            server.replication_state = "BACKLOG"

    def _churn(self, server: SourceServer, runtime: _ServerRuntime, dt: float) -> None:
        """The source app writing: random 4 KiB writes inside its churn file, blocks marked dirty."""
        amount = server.churn_bytes_per_second * dt + runtime.churn_carry
        writes = int(amount // 4096)
        runtime.churn_carry = amount - writes * 4096
        if not writes:
            return
        offset0, size = server.churn_extent  # type: ignore[misc]
        boot = next(d for d in server.disks if d.is_boot)
        tracker = runtime.disks[boot.device]
        with open(boot.source_path, "r+b") as handle:
            for _ in range(writes):
                offset = offset0 + runtime.rng.randrange(0, max(1, size - 4096))
                handle.seek(offset)
                handle.write(runtime.rng.randbytes(min(4096, size)))
                first, last = offset // self.block_size, (offset + 4095) // self.block_size
                tracker.dirty.update(range(first, min(last, tracker.blocks - 1) + 1))

    def _copy(self, server: SourceServer, runtime: _ServerRuntime, budget: float, now: float) -> float:
        for disk in server.disks:
            tracker = runtime.disks[disk.device]
            if tracker.cursor >= tracker.blocks and not tracker.dirty:
                continue
            if budget < self.block_size:
                break
            with open(disk.source_path, "rb") as source, open(disk.staging_path, "r+b") as staging:
                # the initial full pass first, then blocks written behind the cursor
                while tracker.cursor < tracker.blocks and budget >= self.block_size:
                    budget -= self._copy_block(source, staging, tracker, tracker.cursor)
                    tracker.dirty.discard(tracker.cursor)
                    tracker.cursor += 1
                    disk.initial_synced_bytes = min(disk.size, tracker.cursor * self.block_size)
                    if server.first_byte_at is None:
                        server.first_byte_at = now
                for index in sorted(i for i in tracker.dirty if i < tracker.cursor):
                    if budget < self.block_size:
                        break
                    budget -= self._copy_block(source, staging, tracker, index)
                    tracker.dirty.discard(index)
                    if server.replication_state == "RESCAN":
                        disk.rescanned_bytes = min(disk.size, disk.rescanned_bytes + self.block_size)
        return budget

    def _copy_block(self, source, staging, tracker: _DiskRuntime, index: int) -> int:  # type: ignore[no-untyped-def]
        """Copy one block if its hash differs from staging; returns the bytes it cost on the wire."""
        source.seek(index * self.block_size)
        block = source.read(self.block_size)
        digest = _hash(block)
        if tracker.staging_hashes[index] == digest:
            return 64  # only the hash crossed the wire
        staging.seek(index * self.block_size)
        staging.write(block)
        tracker.staging_hashes[index] = digest
        self.bytes_copied += len(block)
        return len(block)

    def snapshot(self, server: SourceServer, dest: Path) -> None:
        """Materialize the staging disks as of now (call under world.lock: no copy is half-applied)."""
        dest.mkdir(parents=True, exist_ok=True)
        for disk in server.disks:
            target = dest / (Path(disk.staging_path).name)
            with open(disk.staging_path, "rb") as src, open(target, "wb") as out:
                while chunk := src.read(1 << 20):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
