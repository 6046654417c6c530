"""Replication instances: creating -> available, deleting -> gone (the store's tick moves them)."""

from __future__ import annotations

import time
from typing import Any

from sandbox.dms.handlers.common import (
    Dms,
    already_exists,
    bad_state,
    check_identifier,
    created,
    described,
    instance,
    tasks_using,
    view,
)


def create_replication_instance(dms: Dms, body: dict[str, Any]) -> dict[str, Any]:
    ident = body["ReplicationInstanceIdentifier"]
    check_identifier(ident, "ReplicationInstanceIdentifier")
    store = dms.store
    if any(i["ReplicationInstanceIdentifier"] == ident.lower() for i in store.state.instances.values()):
        raise already_exists(f"Replication instance {ident} already exists")
    now = time.time()
    inst_arn = store.arn("rep")
    inst = {
        "ReplicationInstanceIdentifier": ident.lower(),
        "ReplicationInstanceClass": body["ReplicationInstanceClass"],
        "ReplicationInstanceStatus": "creating",
        "AllocatedStorage": int(body.get("AllocatedStorage") or 50),
        "InstanceCreateTime": now,
        "VpcSecurityGroups": [
            {"VpcSecurityGroupId": g, "Status": "active"} for g in body.get("VpcSecurityGroupIds") or []
        ],
        "AvailabilityZone": body.get("AvailabilityZone") or f"{store.region}a",
        "PreferredMaintenanceWindow": body.get("PreferredMaintenanceWindow") or "sun:06:00-sun:06:30",
        "PendingModifiedValues": {},
        "MultiAZ": bool(body.get("MultiAZ", False)),
        "EngineVersion": body.get("EngineVersion") or "3.5.3",
        "AutoMinorVersionUpgrade": bool(body.get("AutoMinorVersionUpgrade", True)),
        "KmsKeyId": body.get("KmsKeyId") or f"arn:aws:kms:{store.region}:{store.account_id}:key/sandbox",
        "ReplicationInstanceArn": inst_arn,
        "ReplicationInstancePrivateIpAddress": "127.0.0.1",
        "ReplicationInstancePrivateIpAddresses": ["127.0.0.1"],
        "PubliclyAccessible": bool(body.get("PubliclyAccessible", False)),
        "NetworkType": body.get("NetworkType") or "IPV4",
        "_ready_at": now + dms.timings.instance_create_seconds,
    }
    return created(dms, "ReplicationInstance", inst)


def describe_replication_instances(dms: Dms, body: dict[str, Any]) -> dict[str, Any]:
    return described(dms, body, "ReplicationInstances")


def delete_replication_instance(dms: Dms, body: dict[str, Any]) -> dict[str, Any]:
    inst = instance(dms, body["ReplicationInstanceArn"])
    if tasks_using(dms, inst["ReplicationInstanceArn"], "ReplicationInstanceArn"):
        raise bad_state(
            f"Replication instance {inst['ReplicationInstanceIdentifier']} has replication tasks; delete them first"
        )
    if inst["ReplicationInstanceStatus"] == "deleting":
        raise bad_state("Replication instance is already being deleted")
    inst["ReplicationInstanceStatus"] = "deleting"
    inst["_gone_at"] = time.time() + dms.timings.instance_delete_seconds
    return {"ReplicationInstance": view(inst)}


OPERATIONS = {
    "CreateReplicationInstance": create_replication_instance,
    "DescribeReplicationInstances": describe_replication_instances,
    "DeleteReplicationInstance": delete_replication_instance,
}
