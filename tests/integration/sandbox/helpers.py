"""Waiting and checking helpers shared by the sandbox tests (plain boto3 and HTTP only)."""

from __future__ import annotations

import hashlib
from typing import Any

import requests

from sandbox.testing import wait_for

__all__ = ["wait_for"]  # with the helpers below


def wait_replicating(
    mgn: Any, count: int = 3, timeout: float = 20, interval: float = 0.05
) -> list[dict[str, Any]]:
    """All `count` source servers CONTINUOUS with a lagDuration (launchable)."""

    def ready() -> list[dict[str, Any]] | None:
        items = mgn.describe_source_servers(filters={})["items"]
        ok = [
            s
            for s in items
            if s["dataReplicationInfo"]["dataReplicationState"] == "CONTINUOUS"
            and "lagDuration" in s["dataReplicationInfo"]
        ]
        return items if len(items) >= count and len(ok) == len(items) else None

    return wait_for(ready, timeout, interval, what="replication CONTINUOUS")


def wait_job(mgn: Any, job_id: str, timeout: float = 20, interval: float = 0.05) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        job = mgn.describe_jobs(filters={"jobIDs": [job_id]})["items"][0]
        return job if job["status"] == "COMPLETED" else None

    return wait_for(done, timeout, interval, what=f"job {job_id} COMPLETED")


def source_ip(server: dict[str, Any]) -> str:
    return server["sourceProperties"]["networkInterfaces"][0]["ips"][0]


def private_ip(ec2: Any, instance_id: str) -> str:
    reservations = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    return reservations[0]["Instances"][0]["PrivateIpAddress"]


def sha256_of(url: str) -> str:
    response = requests.get(url, timeout=5)
    response.raise_for_status()
    return hashlib.sha256(response.content).hexdigest()
