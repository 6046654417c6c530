"""Source servers as local things: disks written to files, an app on a loopback address, default configs.

Registration is what the AWS replication agent does when it is installed: there is no CreateSourceServer
API, a server appears when its agent registers. Here the sandbox registers every server of its config.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

from sandbox.apps import CHURN_FILE, addresses, build_boot_image, build_data_image, start_app
from sandbox.config import SourceServerConfig
from sandbox.mgn.model import Disk, SourceServer, new_id
from sandbox.mgn.replication import Replicator
from sandbox.mgn.store import MgnStore


def register(store: MgnStore, replicator: Replicator, config: SourceServerConfig) -> SourceServer:
    """The agent registering: disks written, server added with replication starting (or STOPPED)."""
    server_id = config.source_server_id or new_id("s-")
    base = store.root / "servers" / server_id
    disks: list[Disk] = []
    churn_extent = None
    for index, disk_config in enumerate(config.disks):
        is_boot = index == 0
        file_name = "boot.img" if is_boot else f"{Path(disk_config.device).name}.img"
        source = base / "source" / file_name
        staging = base / "staging" / file_name
        size = disk_config.size_bytes
        if is_boot:
            extents = build_boot_image(source, size, boot_files(config, size))
            churn_extent = extents.get(CHURN_FILE)
        else:
            build_data_image(source, size, seed=f"{config.hostname}{disk_config.device}")
        disks.append(Disk(disk_config.device, size, str(source), str(staging), is_boot))
    now = time.time()
    world = store.world
    server = SourceServer(
        id=server_id,
        arn=store.arn("source-server", server_id),
        hostname=config.hostname,
        fqdn=config.fqdn or f"{config.hostname}.sandbox.local",
        os=config.os,
        cpus=config.cpus,
        ram_bytes=config.ram_mb * 1024 * 1024,
        disks=disks,
        source_ip=nominal_source_ip(world.config.network.source_prefix, len(store.servers) + 1),
        app_port=config.app_port or world.config.network.app_port,
        app_enabled=config.app,
        churn_bytes_per_second=config.churn_kbps * 1024,
        churn_extent=churn_extent,
        tags=dict(config.tags),
        added_at=now,
        replication_state="INITIATING" if config.start_replication else "STOPPED",
        initiation_started_at=now if config.start_replication else None,
        last_seen_at=now,
    )
    server.launch_configuration = default_launch_configuration(server)
    server.replication_configuration = default_replication_configuration(server, config)
    store.servers[server_id] = server
    replicator.attach(server, resumed=False)
    return server


def nominal_source_ip(prefix: str, index: int) -> str:
    """The index-th address (1-based) from prefix.1, spilling into the next /24 after .254."""
    a, b, c = (int(p) for p in prefix.split("."))
    c += (index - 1) // 254
    return f"{a}.{b}.{c % 256}.{(index - 1) % 254 + 1}"


def boot_files(config: SourceServerConfig, disk_size: int) -> list[tuple[str, bytes]]:
    seed = hashlib.sha256(config.hostname.encode()).digest()
    if config.files is None:
        blob = max(4096, min(disk_size // 4, 512 * 1024))
        files: list[tuple[str, bytes]] = [
            ("index.html", f"<h1>{config.hostname}</h1>\n".encode()),
            ("etc/hostname", f"{config.hostname}\n".encode()),
            ("data/blob.bin", seeded_bytes(seed, blob)),
        ]
    else:
        files = [
            (
                f.path,
                f.content.encode()
                if f.content is not None
                else seeded_bytes(seed, int((f.size_kb or 0) * 1024)),
            )
            for f in config.files
        ]
    files.append((CHURN_FILE, bytes(int(config.churn_file_kb * 1024))))
    return files


def seeded_bytes(seed: bytes, size: int) -> bytes:
    """Deterministic pseudo-random content (a file's checksum is stable across runs of one config)."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(seed + counter.to_bytes(8, "big")).digest()
        counter += 1
    return bytes(out[:size])


def start_source_app(store: MgnStore, server: SourceServer) -> None:
    """Bind the source app; if its address is taken (another sandbox), take the next free one."""
    boot = next(d for d in server.disks if d.is_boot)
    prefix = server.source_ip.rsplit(".", 1)[0]
    start = int(server.source_ip.rsplit(".", 1)[1])
    used = {s.source_ip for s in store.servers.values() if s.id != server.id}
    candidates = [server.source_ip] + [ip for ip in addresses(prefix, start + 1) if ip not in used]
    app = start_app(
        candidates,
        server.app_port,
        Path(boot.source_path),
        {"hostname": server.hostname, "role": "source", "sourceServerID": server.id},
    )
    server.source_ip = app.ip
    store.source_apps[server.id] = app


def default_launch_configuration(server: SourceServer) -> dict[str, Any]:
    return {
        "sourceServerID": server.id,
        "name": server.hostname,
        "ec2LaunchTemplateID": new_id("lt-"),
        "launchDisposition": "STARTED",
        "targetInstanceTypeRightSizingMethod": "BASIC",
        "copyPrivateIp": False,
        "copyTags": False,
        "licensing": {"osByol": True},
        "bootMode": "USE_SOURCE",
        "postLaunchActions": {"deployment": "TEST_AND_CUTOVER", "ssmDocuments": []},
        "enableMapAutoTagging": False,
    }


def default_replication_configuration(server: SourceServer, config: SourceServerConfig) -> dict[str, Any]:
    return {
        "sourceServerID": server.id,
        "name": server.hostname,
        "stagingAreaSubnetId": "subnet-" + hashlib.sha256(server.id.encode()).hexdigest()[:17],
        "associateDefaultSecurityGroup": True,
        "replicationServersSecurityGroupsIDs": [],
        "replicationServerInstanceType": "t3.small",
        "useDedicatedReplicationServer": False,
        "defaultLargeStagingDiskType": "GP3",
        "replicatedDisks": [
            {"deviceName": d.device, "isBootDisk": d.is_boot, "stagingDiskType": "AUTO"} for d in server.disks
        ],
        "ebsEncryption": "DEFAULT",
        "bandwidthThrottling": config.bandwidth_mbps,
        "dataPlaneRouting": "PRIVATE_IP",
        "createPublicIP": False,
        "stagingAreaTags": {},
        "useFipsEndpoint": False,
        "internetProtocol": "IPV4",
        "storeSnapshotOnLocalZone": False,
    }
