"""MGN state: source servers, jobs, waves, applications, launched instances, and how they look on the wire.

Everything here is plain data guarded by `world.lock`; `to_api` methods render the botocore output shapes
(ISO-8601 strings, absent members rather than nulls) and `to_state`/`from_state` the persisted JSON.
"""

from __future__ import annotations

import secrets
import string
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandbox.shapes import prune

_ALNUM = string.digits + string.ascii_lowercase

INITIATION_STEPS = [
    "WAIT",
    "CREATE_SECURITY_GROUP",
    "LAUNCH_REPLICATION_SERVER",
    "BOOT_REPLICATION_SERVER",
    "AUTHENTICATE_WITH_SERVICE",
    "DOWNLOAD_REPLICATION_SOFTWARE",
    "CREATE_STAGING_DISKS",
    "ATTACH_STAGING_DISKS",
    "PAIR_REPLICATION_SERVER_WITH_AGENT",
    "CONNECT_AGENT_TO_REPLICATION_SERVER",
    "START_DATA_TRANSFER",
]

# Replication states in which the replicator copies blocks.
ACTIVE_REPLICATION = {"INITIATING", "INITIAL_SYNC", "CONTINUOUS", "BACKLOG", "RESCAN"}


def new_id(prefix: str, alphabet: str = "0123456789abcdef") -> str:
    """AWS-style id: prefix + 17 characters (s-, mgnjob-, wave-, app-, i- replicators)."""
    return prefix + "".join(secrets.choice(alphabet) for _ in range(17))


def iso(epoch: float | None) -> str | None:
    """ISO-8601 in the model's pattern: 2026-01-01T12:00:00.123456Z."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def duration(seconds: float) -> str:
    """ISO-8601 duration as MGN reports lagDuration: PT0.25S, PT1M3.5S, P1DT2H."""
    seconds = max(0.0, seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    out = "P" + (f"{int(days)}D" if days else "")
    time_part = ""
    if hours:
        time_part += f"{int(hours)}H"
    if minutes:
        time_part += f"{int(minutes)}M"
    if secs or not (days or hours or minutes):
        time_part += f"{secs:.3f}".rstrip("0").rstrip(".") + "S"
    return out + ("T" + time_part if time_part else "")


class Stored:
    """A dataclass persisted as its fields (`to_state`) and rebuilt from them (`from_state`)."""

    def to_state(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> Any:
        return cls(**data)


@dataclass
class Disk:
    device: str
    size: int
    source_path: str
    staging_path: str
    is_boot: bool
    initial_synced_bytes: int = 0  # progress of the first full pass
    rescanned_bytes: int = 0


@dataclass
class SourceServer:
    id: str
    arn: str
    hostname: str
    fqdn: str
    os: str
    cpus: int
    ram_bytes: int
    disks: list[Disk]
    source_ip: str
    app_port: int
    app_enabled: bool
    churn_bytes_per_second: float
    churn_extent: tuple[int, int] | None  # (offset, size) of the churn file inside the boot image
    tags: dict[str, str]
    added_at: float
    replication_state: str = "INITIATING"
    life_cycle_state: str = "NOT_READY"
    is_archived: bool = False
    replicator_id: str = field(default_factory=lambda: new_id("i-"))
    initiation_started_at: float | None = None
    replication_started_at: float | None = None
    first_byte_at: float | None = None
    last_seen_at: float | None = None
    last_consistent_at: float | None = None  # None until the initial sync completes (not launchable)
    last_snapshot_at: float | None = None
    initial_sync_done: bool = False
    initiation_steps_done: int = 0
    replication_error: dict[str, str] | None = None
    last_test: dict[str, Any] = field(default_factory=dict)
    last_cutover: dict[str, Any] = field(default_factory=dict)
    launched_instance: dict[str, str] | None = None
    application_id: str | None = None
    launch_configuration: dict[str, Any] = field(default_factory=dict)
    replication_configuration: dict[str, Any] = field(default_factory=dict)
    backlog_bytes: int = 0
    eta_at: float | None = None

    @property
    def launchable(self) -> bool:
        return self.last_consistent_at is not None

    def lag_seconds(self, now: float) -> float | None:
        if self.last_consistent_at is None or self.replication_state == "DISCONNECTED":
            return None
        return now - self.last_consistent_at

    def to_api(self, now: float | None = None) -> dict[str, Any]:
        now = time.time() if now is None else now
        return prune(
            {
                "sourceServerID": self.id,
                "arn": self.arn,
                "isArchived": self.is_archived,
                "tags": dict(self.tags),
                "launchedInstance": dict(self.launched_instance) if self.launched_instance else None,
                "dataReplicationInfo": self._replication_info(now),
                "lifeCycle": self._life_cycle(now),
                "sourceProperties": self._source_properties(),
                "replicationType": "AGENT_BASED",
                "applicationID": self.application_id,
            }
        )

    def _replication_info(self, now: float) -> dict[str, Any]:
        lag = self.lag_seconds(now)
        replicated_disks = [
            {
                "deviceName": d.device,
                "totalStorageBytes": d.size,
                "replicatedStorageBytes": d.size if self.initial_sync_done else d.initial_synced_bytes,
                "rescannedStorageBytes": d.rescanned_bytes,
                "backloggedStorageBytes": self.backlog_bytes if d.is_boot else 0,
            }
            for d in self.disks
        ]
        info: dict[str, Any] = {
            "dataReplicationState": self.replication_state,
            "replicatedDisks": replicated_disks,
            "lagDuration": duration(lag) if lag is not None else None,
            "etaDateTime": iso(self.eta_at) if self.replication_state == "INITIAL_SYNC" else None,
            "dataReplicationError": self.replication_error,
            "lastSnapshotDateTime": iso(self.last_snapshot_at),
            "replicatorId": self.replicator_id,
        }
        if self.initiation_started_at is not None and not self.initial_sync_done:
            info["dataReplicationInitiation"] = {
                "startDateTime": iso(self.initiation_started_at),
                "steps": self._initiation_steps(),
            }
        return info

    def _life_cycle(self, now: float) -> dict[str, Any]:
        elapsed = now - self.replication_started_at if self.replication_started_at else None
        return {
            "addedToServiceDateTime": iso(self.added_at),
            "firstByteDateTime": iso(self.first_byte_at),
            "elapsedReplicationDuration": duration(elapsed) if elapsed is not None else None,
            "lastSeenByServiceDateTime": iso(self.last_seen_at),
            "lastTest": self.last_test or None,
            "lastCutover": self.last_cutover or None,
            "state": self.life_cycle_state,
        }

    def _source_properties(self) -> dict[str, Any]:
        return {
            "lastUpdatedDateTime": iso(self.added_at),
            "recommendedInstanceType": "t3.medium" if self.ram_bytes <= 4 << 30 else "m5.large",
            "identificationHints": {"fqdn": self.fqdn, "hostname": self.hostname},
            "networkInterfaces": [{"macAddress": _mac(self.id), "ips": [self.source_ip], "isPrimary": True}],
            "disks": [{"deviceName": d.device, "bytes": d.size} for d in self.disks],
            "cpus": [{"cores": self.cpus, "modelName": "Sandbox vCPU"}],
            "ramBytes": self.ram_bytes,
            "os": {"fullString": self.os},
        }

    def _initiation_steps(self) -> list[dict[str, str]]:
        done = self.initiation_steps_done
        out = []
        for index, name in enumerate(INITIATION_STEPS):
            if index < done:
                status = "SUCCEEDED"
            elif index == done and self.replication_state == "INITIATING":
                status = "FAILED" if self.replication_error else "IN_PROGRESS"
            else:
                status = "NOT_STARTED" if self.replication_state == "INITIATING" else "SUCCEEDED"
            out.append({"name": name, "status": status})
        return out

    def to_state(self) -> dict[str, Any]:
        data = asdict(self)
        data["churn_extent"] = list(self.churn_extent) if self.churn_extent else None
        return data

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> SourceServer:
        data = dict(data)
        data["disks"] = [Disk(**d) for d in data["disks"]]
        data["churn_extent"] = tuple(data["churn_extent"]) if data.get("churn_extent") else None
        return cls(**data)


def _mac(server_id: str) -> str:
    digits = "".join(c for c in server_id[2:] if c in "0123456789abcdef").ljust(10, "0")[:10]
    return "02:" + ":".join(digits[i : i + 2] for i in range(0, 10, 2))


@dataclass
class Job(Stored):
    id: str
    arn: str
    type: str  # LAUNCH | TERMINATE
    initiated_by: str  # START_TEST | START_CUTOVER | TERMINATE
    created_at: float
    servers: list[dict[str, Any]]  # participatingServers as on the wire
    tags: dict[str, str]
    status: str = "PENDING"
    ended_at: float | None = None
    log: list[dict[str, Any]] = field(default_factory=list)
    prior_states: dict[str, str] = field(default_factory=dict)  # lifecycle to restore when a launch fails

    def add_log(self, event: str, when: float | None = None, **data: Any) -> None:
        self.log.append(
            {
                "logDateTime": iso(time.time() if when is None else when),
                "event": event,
                "eventData": data or None,
            }
        )

    def server(self, server_id: str) -> dict[str, Any]:
        return next(p for p in self.servers if p["sourceServerID"] == server_id)

    def to_api(self) -> dict[str, Any]:
        return prune(
            {
                "jobID": self.id,
                "arn": self.arn,
                "type": self.type,
                "initiatedBy": self.initiated_by,
                "creationDateTime": iso(self.created_at),
                "endDateTime": iso(self.ended_at),
                "status": self.status,
                "participatingServers": [dict(p) for p in self.servers],
                "tags": dict(self.tags),
            }
        )


@dataclass
class Instance(Stored):
    """A launched target instance: a materialized disk, an app on its own address, an EC2 record in moto."""

    ec2_instance_id: str
    source_server_id: str
    job_id: str
    kind: str  # test | cutover
    ip: str
    port: int
    image_dir: str
    launched_at: float
    running: bool = True
    started: bool = True  # launchDisposition STOPPED registers the instance stopped


@dataclass
class Grouping(Stored):
    """What waves and applications both are: a named, taggable, archivable group."""

    id: str
    arn: str
    name: str
    description: str | None
    tags: dict[str, str]
    created_at: float
    is_archived: bool = False


@dataclass
class Wave(Grouping):
    pass


@dataclass
class Application(Grouping):
    wave_id: str | None = None
