"""MGN jobs: LAUNCH (StartTest / StartCutover) and TERMINATE (TerminateTargetInstances), run in threads.

A launch job goes PENDING -> STARTED -> COMPLETED. Each participating server moves PENDING -> IN_PROGRESS ->
LAUNCHED or FAILED; a failed launch never fails the job (JobStatus has no FAILED: AWS reports failure per
server inside a COMPLETED job). Launching snapshots the staging disks, starts the app on a fresh loopback
address and registers the instance in moto's EC2 with that private IP.
"""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from typing import Any

from sandbox.apps import DiskApp, addresses, start_app
from sandbox.mgn.ec2 import Ec2Registry
from sandbox.mgn.model import Instance, Job, SourceServer, new_id
from sandbox.mgn.replication import Replicator
from sandbox.mgn.store import MgnStore


class JobAborted(Exception):
    """The sandbox is stopping: leave the job as it is, it resumes after a restart."""


class Launcher:
    """Runs each job in a thread: snapshots through the replicator, instances in moto's EC2."""

    def __init__(self, store: MgnStore, replicator: Replicator, ec2: Ec2Registry) -> None:
        self.store, self.replicator, self.ec2 = store, replicator, ec2
        self.world = store.world
        self._threads: list[threading.Thread] = []

    def run(self, job_id: str) -> None:
        thread = threading.Thread(target=self._run, args=(job_id,), name=f"mgn-{job_id}", daemon=True)
        self._threads.append(thread)
        thread.start()

    def join(self, timeout: float = 5) -> None:
        for thread in self._threads:
            thread.join(timeout)

    def _pause(self) -> None:
        seconds = self.world.config.timing.job_step_seconds + self.world.faults.job_delay()
        if self.world.stopping.wait(seconds):
            raise JobAborted

    def _run(self, job_id: str) -> None:
        try:
            job = self.store.jobs[job_id]
            if job.type == "LAUNCH":
                self._launch(job)
            else:
                self._terminate(job)
        except JobAborted:
            return

    def _commit(self) -> None:
        self.store.mark_dirty(now=True)

    def _start_job(self, job: Job) -> None:
        self._pause()
        with self.world.lock:
            if job.status == "PENDING":
                job.status = "STARTED"
                job.add_log("JOB_START")
            self._commit()

    def _end_job(self, job: Job) -> None:
        with self.world.lock:
            job.add_log("JOB_END")
            job.status = "COMPLETED"
            job.ended_at = time.time()
            self._commit()

    # -- launch --------------------------------------------------------------------------------------
    def _launch(self, job: Job) -> None:
        store = self.store
        self._start_job(job)
        todo = [
            p["sourceServerID"] for p in job.servers if p.get("launchStatus") in ("PENDING", "IN_PROGRESS")
        ]
        snapshots: dict[str, Path] = {}
        with self.world.lock:
            for server_id in todo:
                server = store.servers[server_id]
                job.server(server_id)["launchStatus"] = "IN_PROGRESS"
                job.add_log("SNAPSHOT_START", sourceServerID=server_id)
                target = store.instances_dir / f"{job.id}-{server_id}"
                shutil.rmtree(target, ignore_errors=True)
                self.replicator.snapshot(server, target)
                server.last_snapshot_at = time.time()
                snapshots[server_id] = target
                job.add_log("SNAPSHOT_END", sourceServerID=server_id)
            self._commit()
        self._pause()
        with self.world.lock:
            for server_id in todo:
                conversion = new_id("i-")
                job.add_log("CONVERSION_START", sourceServerID=server_id, conversionServerID=conversion)
                job.add_log("CONVERSION_END", sourceServerID=server_id, conversionServerID=conversion)
            self._commit()
        self._pause()
        for server_id in todo:
            with self.world.lock:
                self._launch_one(job, server_id, snapshots[server_id])
                self._commit()
        self._pause()
        with self.world.lock:
            for server_id in todo:
                launched = store.servers[server_id].launched_instance
                if launched and launched.get("jobID") == job.id and launched.get("firstBoot") == "WAITING":
                    instance = store.instances.get(launched["ec2InstanceID"])
                    launched["firstBoot"] = "SUCCEEDED" if instance and instance.started else "STOPPED"
        self._end_job(job)

    def _launch_one(self, job: Job, server_id: str, snapshot: Path) -> None:
        store = self.store
        server = store.servers[server_id]
        entry = job.server(server_id)
        previous = server.launched_instance
        if previous and previous.get("ec2InstanceID") in store.instances:
            old = store.instances[previous["ec2InstanceID"]]
            if old.running:
                job.add_log("CLEANUP_START", sourceServerID=server_id, targetInstanceID=old.ec2_instance_id)
                terminate_instance(store, self.ec2, old)
                job.add_log("CLEANUP_END", sourceServerID=server_id, targetInstanceID=old.ec2_instance_id)
        job.add_log("LAUNCH_START", sourceServerID=server_id)
        if self.world.faults.launch_should_fail(server_id, server.hostname):
            self._fail(job, server_id, "sandbox fault: the target instance failed to launch")
            shutil.rmtree(snapshot, ignore_errors=True)
            return
        kind = "test" if job.initiated_by == "START_TEST" else "cutover"
        try:
            instance = launch_instance(store, self.ec2, server, job.id, kind, snapshot)
        except Exception as exc:  # a real failure of the sandbox (no free address...) is a failed launch too
            self._fail(job, server_id, f"{type(exc).__name__}: {exc}")
            return
        entry["launchStatus"] = "LAUNCHED"
        entry["launchedEc2InstanceID"] = instance.ec2_instance_id
        server.launched_instance = {
            "ec2InstanceID": instance.ec2_instance_id,
            "jobID": job.id,
            "firstBoot": "WAITING",
        }

    def _fail(self, job: Job, server_id: str, reason: str) -> None:
        server = self.store.servers[server_id]
        job.server(server_id)["launchStatus"] = "FAILED"
        job.add_log("LAUNCH_FAILED", sourceServerID=server_id, rawError=reason)
        prior = job.prior_states.get(server_id)
        if prior:
            server.life_cycle_state = prior  # the server can be launched again

    # -- terminate -----------------------------------------------------------------------------------
    def _terminate(self, job: Job) -> None:
        store = self.store
        self._start_job(job)
        with self.world.lock:
            for entry in job.servers:
                if entry.get("launchStatus") == "TERMINATED":
                    continue
                server = store.servers[entry["sourceServerID"]]
                launched = server.launched_instance or {}
                instance = store.instances.get(launched.get("ec2InstanceID", ""))
                if instance is None or not instance.running:
                    job.add_log("SERVER_SKIPPED", sourceServerID=server.id)
                    entry["launchStatus"] = "TERMINATED"
                    continue
                entry["launchedEc2InstanceID"] = instance.ec2_instance_id
                job.add_log(
                    "CLEANUP_START", sourceServerID=server.id, targetInstanceID=instance.ec2_instance_id
                )
                terminate_instance(store, self.ec2, instance)
                job.add_log(
                    "CLEANUP_END", sourceServerID=server.id, targetInstanceID=instance.ec2_instance_id
                )
                entry["launchStatus"] = "TERMINATED"
                server.launched_instance = None
            self._commit()
        self._pause()
        self._end_job(job)


def instance_candidates(store: MgnStore, ec2: Ec2Registry) -> list[str]:
    """Never-used addresses first (a terminated instance's address stays dark for a while), then freed ones."""
    running = {i.ip for i in store.instances.values() if i.running}
    ever = {i.ip for i in store.instances.values()}
    taken = ec2.taken_ips()
    pool = [ip for ip in addresses(store.world.config.network.instance_prefix) if ip not in taken]
    return [ip for ip in pool if ip not in ever] + [ip for ip in pool if ip in ever and ip not in running]


def _start_app(
    store: MgnStore, ec2: Ec2Registry, image_dir: Path, identity: dict[str, Any], port: int, ip: str | None
) -> DiskApp:
    """An instance's app on `ip` if given (a restart), else on the first free instance address."""
    return start_app([ip] if ip else instance_candidates(store, ec2), port, image_dir / "boot.img", identity)


def launch_instance(
    store: MgnStore, ec2: Ec2Registry, server: SourceServer, job_id: str, kind: str, image_dir: Path
) -> Instance:
    """Under world.lock: the snapshot becomes the instance's disk, its app starts, EC2 (moto) records it."""
    started = server.launch_configuration.get("launchDisposition", "STARTED") == "STARTED"
    identity = {"hostname": server.hostname, "role": f"{kind}-instance", "sourceServerID": server.id}
    app = _start_app(store, ec2, image_dir, identity, server.app_port, None)
    if not started:
        app.stop()  # launchDisposition STOPPED: the address is reserved, nothing answers on it
    instance_id = ec2.register(server, app.ip, kind, job_id)
    if not started:
        ec2.stop(instance_id)
    final_dir = store.instances_dir / instance_id
    shutil.rmtree(final_dir, ignore_errors=True)
    image_dir.rename(final_dir)
    app.image = final_dir / "boot.img"
    instance = Instance(
        ec2_instance_id=instance_id,
        source_server_id=server.id,
        job_id=job_id,
        kind=kind,
        ip=app.ip,
        port=server.app_port,
        image_dir=str(final_dir),
        launched_at=time.time(),
        started=started,
    )
    store.instances[instance_id] = instance
    if started:
        app.identity["ec2InstanceID"] = instance_id
        store.instance_apps[instance_id] = app
    return instance


def revive_instance(store: MgnStore, ec2: Ec2Registry, instance: Instance) -> None:
    """After a restart: same address, same EC2 id, the app serving the same materialized disk."""
    server = store.servers[instance.source_server_id]
    ec2.register(server, instance.ip, instance.kind, instance.job_id, instance.ec2_instance_id)
    if instance.started:
        identity = {
            "hostname": server.hostname,
            "role": f"{instance.kind}-instance",
            "sourceServerID": server.id,
            "ec2InstanceID": instance.ec2_instance_id,
        }
        app = _start_app(store, ec2, Path(instance.image_dir), identity, instance.port, instance.ip)
        store.instance_apps[instance.ec2_instance_id] = app


def terminate_instance(store: MgnStore, ec2: Ec2Registry, instance: Instance) -> None:
    app = store.instance_apps.pop(instance.ec2_instance_id, None)
    if app is not None:
        app.stop()
    ec2.terminate(instance.ec2_instance_id, instance.ip)
    instance.running = False
    shutil.rmtree(instance.image_dir, ignore_errors=True)
