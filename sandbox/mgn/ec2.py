"""Launched instances as records in moto's EC2 backend, with their loopback private IPs.

moto only accepts a private IP inside a subnet's CIDR, so the sandbox keeps a VPC/subnet in 127/8 for the
instance prefix. moto's instance ids are random: after a restart the stored id is put back on the new record,
so `launchedInstance.ec2InstanceID` stays valid across restarts.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from sandbox.mgn.model import SourceServer
from sandbox.world import SandboxWorld

MANAGED_TAGS = {"AWSApplicationMigrationServiceManaged": "mgn.amazonaws.com"}


class Ec2Registry:
    def __init__(self, world: SandboxWorld) -> None:
        self.world = world
        self._lock = threading.Lock()
        self._subnet: str | None = None

    def backend(self) -> Any:
        return self.world.moto_backend("ec2")

    def subnet(self) -> str:
        """The loopback subnet for launched instances (built once; about a second of moto's start-up)."""
        with self._lock:
            if self._subnet is None:
                self._subnet = self._find_or_create_subnet()
            return self._subnet

    def _find_or_create_subnet(self) -> str:
        ec2 = self.backend()
        prefix = self.world.config.network.instance_prefix
        cidr = f"{prefix}.0/24"
        for subnet in ec2.describe_subnets(filters={"cidr-block": [cidr]}):
            return subnet.id
        a, b, _ = prefix.split(".")
        vpc_cidr = f"{a}.{b}.0.0/16"
        vpcs = ec2.describe_vpcs(filters={"cidr": [vpc_cidr]})
        vpc = vpcs[0] if vpcs else ec2.create_vpc(vpc_cidr)
        if not vpcs:
            ec2.create_tags([vpc.id], {"Name": "mgn-sandbox-loopback"})
        subnet = ec2.create_subnet(vpc_id=vpc.id, cidr_block=cidr, availability_zone=f"{self.world.region}a")
        ec2.create_tags([subnet.id], {"Name": "mgn-sandbox-targets"})
        return subnet.id

    def taken_ips(self) -> set[str]:
        """Addresses moto holds in the subnet: another sandbox of this process may have used the prefix."""
        with contextlib.suppress(Exception):
            return set(self.backend().get_subnet(self.subnet())._subnet_ips)
        return set()

    def register(
        self, server: SourceServer, ip: str, kind: str, job_id: str, instance_id: str | None = None
    ) -> str:
        """Run an instance with private IP `ip`; with `instance_id`, reuse or recreate that exact id."""
        ec2 = self.backend()
        if instance_id:
            with contextlib.suppress(Exception):  # moto lost it with the old process: register it again
                if ec2.get_instance(instance_id).private_ip == ip:
                    return instance_id
        reservation = ec2.run_instances(
            next(iter(ec2.amis)),
            1,
            None,
            [],
            subnet_id=self.subnet(),
            private_ip=ip,
            instance_type="t3.medium",
            is_instance_type_default=False,
            region_name=self.world.region,
        )
        instance = reservation.instances[0]
        if instance_id:
            instance.id = instance_id  # keep the id a restart must not change
        tags = {
            "Name": f"{server.hostname}-{kind}",
            "AWSApplicationMigrationServiceSourceServerID": server.id,
            "AWSApplicationMigrationServiceJobID": job_id,
            **MANAGED_TAGS,
        }
        if server.launch_configuration.get("copyTags"):
            tags = {**server.tags, **tags}
        ec2.create_tags([instance.id], tags)
        return instance.id

    def stop(self, instance_id: str) -> None:
        self.backend().stop_instances([instance_id])

    def terminate(self, instance_id: str, ip: str) -> None:
        """Terminate and free the address in moto's subnet, as AWS does."""
        ec2 = self.backend()
        with contextlib.suppress(Exception):  # already gone from moto: nothing left to terminate
            ec2.terminate_instances([instance_id])
        with contextlib.suppress(Exception):
            ec2.get_subnet(self.subnet()).del_subnet_ip(ip)
