"""The sandbox configuration (YAML): the source servers of the world, timings, addresses and faults.

Documented with an example in sandbox/README.md. Without a file the demo world below is served.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sandbox.faults import FaultSettings

MIB = 1024 * 1024


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DiskConfig(_Strict):
    device: str
    size_mb: float = Field(gt=0, le=4096)

    @property
    def size_bytes(self) -> int:
        return int(self.size_mb * MIB)


class FileConfig(_Strict):
    """A file on the boot disk: literal `content` or `size_kb` of seeded random bytes."""

    path: str
    content: str | None = None
    size_kb: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_source(self) -> FileConfig:
        if (self.content is None) == (self.size_kb is None):
            raise ValueError(f"file {self.path}: give exactly one of content, size_kb")
        return self


class SourceServerConfig(_Strict):
    hostname: str
    source_server_id: str | None = Field(
        default=None,
        pattern=r"^s-[0-9a-zA-Z]{17}$",
        description="a fixed MGN id, so a migration plan can name the server; random when absent",
    )
    count: int = Field(default=1, ge=1, le=2000, description="expand to N servers; hostname may use {n}")
    fqdn: str | None = None
    os: str = "Ubuntu 22.04.4 LTS (GNU/Linux 5.15.0-1051-aws x86_64)"
    cpus: int = Field(default=2, ge=1)
    ram_mb: int = Field(default=4096, ge=1)
    disks: list[DiskConfig] = Field(default_factory=lambda: [DiskConfig(device="/dev/sda", size_mb=2)])
    files: list[FileConfig] | None = None
    churn_kbps: float = Field(default=16, ge=0, description="KiB/s written into the churn file")
    churn_file_kb: float = Field(default=128, gt=0)
    bandwidth_mbps: int = Field(default=0, ge=0, le=10000, description="initial bandwidthThrottling")
    start_replication: bool = True
    app: bool = True
    app_port: int | None = None
    tags: dict[str, str] = Field(default_factory=dict)

    @field_validator("disks")
    @classmethod
    def _at_least_one_disk(cls, disks: list[DiskConfig]) -> list[DiskConfig]:
        if not disks:
            raise ValueError("a source server needs at least one disk")
        return disks


class TimingConfig(_Strict):
    replication_tick_seconds: float = Field(default=0.05, gt=0)
    initiation_seconds: float = Field(default=0.3, ge=0)
    job_step_seconds: float = Field(default=0.1, ge=0)
    backlog_after_seconds: float = Field(default=1.0, gt=0)
    persist_interval_seconds: float = Field(default=0.5, gt=0)
    dms_cdc_publish_seconds: float = Field(
        default=5.0, gt=0, description="a CDC task's AWS/DMS metrics reach CloudWatch every this many seconds"
    )


class NetworkConfig(_Strict):
    source_prefix: str = "127.0.1"
    instance_prefix: str = "127.0.2"
    app_port: int = 8080

    @field_validator("source_prefix", "instance_prefix")
    @classmethod
    def _loopback(cls, prefix: str) -> str:
        parts = prefix.split(".")
        if len(parts) != 3 or parts[0] != "127" or not all(p.isdigit() and int(p) < 256 for p in parts):
            raise ValueError(f"{prefix!r} must be a /24 prefix inside 127.0.0.0/8, like 127.0.1")
        return prefix


class ReplicationConfig(_Strict):
    link_mbps: float = Field(default=80, ge=0, description="cap when bandwidthThrottling is 0; 0 = no cap")
    block_size_kb: int = Field(default=64, ge=4, le=4096)


class DnsRecordConfig(_Strict):
    name: str
    type: str = "A"
    ttl: int = Field(default=60, ge=0)
    values: list[str] | None = Field(
        default=None, description="record values; absent: the address of the source server `source`"
    )
    source: str | None = Field(default=None, description="hostname of a source server to point at")

    @model_validator(mode="after")
    def _one_target(self) -> DnsRecordConfig:
        if (self.values is None) == (self.source is None):
            raise ValueError(f"record {self.name}: give exactly one of values, source")
        return self


class DnsZoneConfig(_Strict):
    """A Route 53 hosted zone created in moto with a fixed id, so plans can name it."""

    id: str = Field(pattern=r"^Z[A-Z0-9]{1,31}$")
    name: str
    records: list[DnsRecordConfig] = Field(default_factory=list)


class SandboxConfig(_Strict):
    account_id: str = "123456789012"
    region: str = "us-east-1"
    timing: TimingConfig = Field(default_factory=TimingConfig)
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    replication: ReplicationConfig = Field(default_factory=ReplicationConfig)
    source_servers: list[SourceServerConfig] = Field(default_factory=list)
    dns_zones: list[DnsZoneConfig] = Field(default_factory=list)
    faults: FaultSettings = Field(default_factory=FaultSettings)

    def expanded_servers(self) -> list[SourceServerConfig]:
        """One entry per server, `count` expanded (hostname `{n}` = 1..count, else a -N suffix)."""
        out: list[SourceServerConfig] = []
        for server in self.source_servers:
            if server.count == 1:
                out.append(server)
                continue
            for n in range(1, server.count + 1):
                name = server.hostname.format(n=n) if "{n}" in server.hostname else f"{server.hostname}-{n}"
                out.append(server.model_copy(update={"hostname": name, "count": 1}))
        names = [s.hostname for s in out]
        if len(set(names)) != len(names):
            raise ValueError("source server hostnames must be unique")
        return out

    @model_validator(mode="after")
    def _fixed_ids(self) -> SandboxConfig:
        ids = [s.source_server_id for s in self.source_servers if s.source_server_id]
        if any(s.count > 1 and s.source_server_id for s in self.source_servers):
            raise ValueError("source_server_id cannot be combined with count > 1")
        if len(set(ids)) != len(ids):
            raise ValueError("source_server_id values must be unique")
        return self


DEMO_CONFIG: dict[str, Any] = {
    "source_servers": [
        {
            "hostname": "web-1",
            "source_server_id": "s-0000000000000web1",
            "fqdn": "web-1.corp.example.com",
            "disks": [{"device": "/dev/sda", "size_mb": 2}],
            "tags": {"app": "shop", "tier": "web"},
        },
        {
            "hostname": "web-2",
            "source_server_id": "s-0000000000000web2",
            "fqdn": "web-2.corp.example.com",
            "disks": [{"device": "/dev/sda", "size_mb": 2}],
            "tags": {"app": "shop", "tier": "web"},
        },
        {
            "hostname": "db-1",
            "source_server_id": "s-00000000000000db1",
            "fqdn": "db-1.corp.example.com",
            "ram_mb": 8192,
            "disks": [{"device": "/dev/sda", "size_mb": 2}, {"device": "/dev/sdb", "size_mb": 1}],
            "churn_kbps": 64,
            "tags": {"app": "shop", "tier": "db"},
        },
    ],
    # The demo plan (include/plans/demo.yaml) switches these records at cutover.
    "dns_zones": [
        {
            "id": "Z0SANDBOXCORP",
            "name": "corp.example.com",
            "records": [
                {"name": "web-1.corp.example.com", "source": "web-1"},
                {"name": "web-2.corp.example.com", "source": "web-2"},
                {"name": "db-1.corp.example.com", "source": "db-1"},
            ],
        }
    ],
}


def load_config(source: Path | str | dict | SandboxConfig | None) -> SandboxConfig:
    """Read a config from a YAML path, a dict or nothing (the demo world)."""
    if isinstance(source, SandboxConfig):
        return source
    if source is None:
        return SandboxConfig.model_validate(DEMO_CONFIG)
    data = source if isinstance(source, dict) else yaml.safe_load(Path(source).read_text()) or {}
    if "source_servers" not in data:
        data = {**data, "source_servers": DEMO_CONFIG["source_servers"]}
    return SandboxConfig.model_validate(data)
