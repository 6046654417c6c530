"""Replication is real: byte progress, lag from the last consistent point, backlog when churn wins."""

from __future__ import annotations

import time
from typing import Any

from sandbox.testing import running_sandbox
from tests.integration.sandbox.helpers import sha256_of, source_ip, wait_for

SLOW = {
    "timing": {"initiation_seconds": 0.1, "backlog_after_seconds": 0.2},
    "source_servers": [
        # 4 MiB at 8 Mbps (1 MB/s): about four seconds of visible INITIAL_SYNC progress
        {
            "hostname": "slow-1",
            "disks": [{"device": "/dev/sda", "size_mb": 4}],
            "bandwidth_mbps": 8,
            "churn_kbps": 0,
        },
        # churn of 512 KiB/s against 1 Mbps: never catches up
        {
            "hostname": "busy-1",
            "disks": [{"device": "/dev/sda", "size_mb": 1}],
            "churn_kbps": 512,
            "churn_file_kb": 512,
        },
        {"hostname": "idle-1", "disks": [{"device": "/dev/sda", "size_mb": 1}], "churn_kbps": 0},
    ],
}


def _server(mgn: Any, hostname: str) -> dict[str, Any]:
    for server in mgn.describe_source_servers()["items"]:
        if server["sourceProperties"]["identificationHints"]["hostname"] == hostname:
            return server
    raise AssertionError(hostname)


def test_initial_sync_progress_lag_and_backlog(tmp_path) -> None:
    with running_sandbox(SLOW, tmp_path / "state") as sandbox:
        mgn = sandbox.client("mgn")
        # INITIATING shows its steps.
        first = _server(mgn, "slow-1")
        assert first["dataReplicationInfo"]["dataReplicationState"] in ("INITIATING", "INITIAL_SYNC")

        # INITIAL_SYNC: replicated bytes grow, bounded by bandwidthThrottling; no lag before it completes.
        def syncing(minimum: int) -> dict[str, Any] | None:
            server = _server(mgn, "slow-1")
            info = server["dataReplicationInfo"]
            disk = info["replicatedDisks"][0]
            if info["dataReplicationState"] == "INITIAL_SYNC" and disk["replicatedStorageBytes"] > minimum:
                return server
            return None

        early = wait_for(lambda: syncing(0), what="INITIAL_SYNC progress")
        early_bytes = early["dataReplicationInfo"]["replicatedDisks"][0]["replicatedStorageBytes"]
        assert "lagDuration" not in early["dataReplicationInfo"]
        assert "etaDateTime" in early["dataReplicationInfo"]
        assert early["lifeCycle"]["state"] == "NOT_READY"
        later = wait_for(lambda: syncing(early_bytes), what="more bytes")
        later_bytes = later["dataReplicationInfo"]["replicatedDisks"][0]["replicatedStorageBytes"]
        assert early_bytes < later_bytes < 4 * 1024 * 1024

        # Raising the bandwidth finishes it: CONTINUOUS, launchable, staging identical to the source.
        slow_id = later["sourceServerID"]
        mgn.update_replication_configuration(sourceServerID=slow_id, bandwidthThrottling=1000)
        done = wait_for(
            lambda: (
                (s := _server(mgn, "slow-1"))["dataReplicationInfo"]["dataReplicationState"] == "CONTINUOUS"
                and s
            ),
            what="CONTINUOUS",
        )
        assert done["lifeCycle"]["state"] == "READY_FOR_TEST"
        assert done["dataReplicationInfo"]["lagDuration"].startswith("PT")

        # Churn faster than the link: BACKLOG with backlogged bytes and a lag that grows.
        busy = _server(mgn, "busy-1")
        mgn.update_replication_configuration(sourceServerID=busy["sourceServerID"], bandwidthThrottling=1)
        backlog = wait_for(
            lambda: (
                (s := _server(mgn, "busy-1"))["dataReplicationInfo"]["dataReplicationState"] == "BACKLOG"
                and s
            ),
            what="BACKLOG",
        )
        assert backlog["dataReplicationInfo"]["replicatedDisks"][0]["backloggedStorageBytes"] > 0
        lag1 = _lag_seconds(backlog)
        time.sleep(0.5)
        lag2 = _lag_seconds(_server(mgn, "busy-1"))
        assert lag2 > lag1
        # ... and catches up once the link allows it.
        mgn.update_replication_configuration(sourceServerID=busy["sourceServerID"], bandwidthThrottling=0)
        wait_for(
            lambda: _server(mgn, "busy-1")["dataReplicationInfo"]["dataReplicationState"] == "CONTINUOUS",
            what="back to CONTINUOUS",
        )
        assert _lag_seconds(_server(mgn, "busy-1")) < 1.0

        # The idle server's source app is real and serves its files.
        idle = _server(mgn, "idle-1")
        assert len(sha256_of(f"http://{source_ip(idle)}:8080/files/index.html")) == 64


def _lag_seconds(server: dict[str, Any]) -> float:
    """Parse the PT..H..M..S durations the sandbox reports."""
    text = server["dataReplicationInfo"]["lagDuration"]
    assert text.startswith("PT"), text
    seconds, number = 0.0, ""
    for char in text[2:]:
        if char.isdigit() or char == ".":
            number += char
        else:
            seconds += float(number) * {"H": 3600, "M": 60, "S": 1}[char]
            number = ""
    return seconds
