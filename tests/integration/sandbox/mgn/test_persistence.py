"""Stopping and restarting the sandbox (a real process, SIGTERM) loses no server, job or instance."""

from __future__ import annotations

import random
from typing import Any

import requests

from sandbox.testing import free_port, running_sandbox
from tests.integration.sandbox.helpers import (
    private_ip,
    sha256_of,
    source_ip,
    wait_for,
    wait_job,
    wait_replicating,
)


def test_restart_keeps_servers_jobs_and_instances(tmp_path) -> None:
    second = random.randint(10, 250)
    config: dict[str, Any] = {
        "network": {"source_prefix": f"127.{second}.1", "instance_prefix": f"127.{second}.2"}
    }
    state_dir, port = tmp_path / "state", free_port()

    with running_sandbox(config, state_dir, subprocess=True, port=port) as sandbox:
        mgn, ec2 = sandbox.client("mgn"), sandbox.client("ec2")
        servers = wait_replicating(mgn)
        a, b, c = (s["sourceServerID"] for s in servers)
        wave_id = mgn.create_wave(name="wave-1")["waveID"]
        done = wait_job(mgn, mgn.start_test(sourceServerIDs=[a, b])["job"]["jobID"])
        before = {s["sourceServerID"]: s for s in mgn.describe_source_servers()["items"]}
        instance_a = before[a]["launchedInstance"]["ec2InstanceID"]
        ip_a = private_ip(ec2, instance_a)
        checksum = sha256_of(f"http://{ip_a}:8080/files/data/blob.bin")
        # A job in flight when the sandbox stops resumes after the restart.
        sandbox.faults(job_delay_seconds=1.0)
        in_flight = mgn.start_test(sourceServerIDs=[c])["job"]["jobID"]

    with requests.Session() as session:
        try:
            session.get(f"http://{ip_a}:8080/health", timeout=1)
            raise AssertionError("the instance app should be gone with the sandbox")
        except requests.ConnectionError:
            pass

    with running_sandbox(config, state_dir, subprocess=True, port=port) as sandbox:
        mgn, ec2 = sandbox.client("mgn"), sandbox.client("ec2")
        after = {s["sourceServerID"]: s for s in mgn.describe_source_servers()["items"]}
        assert set(after) == {a, b, c}
        for server_id in (a, b):
            assert after[server_id]["lifeCycle"]["state"] == "TESTING"
            assert after[server_id]["launchedInstance"] == before[server_id]["launchedInstance"]
            assert source_ip(after[server_id]) == source_ip(before[server_id])
        # Same EC2 id, same address, same bytes.
        assert private_ip(ec2, instance_a) == ip_a
        assert requests.get(f"http://{ip_a}:8080/health", timeout=5).json()["ec2InstanceID"] == instance_a
        assert sha256_of(f"http://{ip_a}:8080/files/data/blob.bin") == checksum
        jobs = {j["jobID"]: j for j in mgn.describe_jobs()["items"]}
        assert jobs[done["jobID"]]["status"] == "COMPLETED"
        assert [w["waveID"] for w in mgn.list_waves()["items"]] == [wave_id]
        resumed = wait_job(mgn, in_flight)
        assert resumed["participatingServers"][0]["launchStatus"] == "LAUNCHED"
        # Replication picks up again (a rescan, then CONTINUOUS) and the walk goes on.
        wait_for(
            lambda: all(
                s["dataReplicationInfo"]["dataReplicationState"] == "CONTINUOUS"
                for s in mgn.describe_source_servers(filters={"sourceServerIDs": [a, b, c]})["items"]
            ),
            what="CONTINUOUS after restart",
        )
        mgn.change_server_life_cycle_state(sourceServerID=a, lifeCycle={"state": "READY_FOR_CUTOVER"})
        wait_job(mgn, mgn.terminate_target_instances(sourceServerIDs=[a])["job"]["jobID"])
        states = ec2.describe_instances(InstanceIds=[instance_a])["Reservations"][0]["Instances"][0]["State"]
        assert states["Name"] == "terminated"
