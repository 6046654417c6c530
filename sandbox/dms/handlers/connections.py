"""Connections: TestConnection starts a real connection attempt (testing -> successful or failed)."""

from __future__ import annotations

from typing import Any

from sandbox.dms.databases import start_connection_test
from sandbox.dms.handlers.common import Dms, bad_state, described, endpoint, instance, not_found


def test_connection(dms: Dms, body: dict[str, Any]) -> dict[str, Any]:
    inst = instance(dms, body["ReplicationInstanceArn"])
    ep = endpoint(dms, body["EndpointArn"])
    if inst["ReplicationInstanceStatus"] != "available":
        raise bad_state(
            f"Replication instance {inst['ReplicationInstanceIdentifier']} is "
            f"{inst['ReplicationInstanceStatus']}, not available"
        )
    key = f"{inst['ReplicationInstanceArn']}|{ep['EndpointArn']}"
    conn = {
        "ReplicationInstanceArn": inst["ReplicationInstanceArn"],
        "EndpointArn": ep["EndpointArn"],
        "Status": "testing",
        "EndpointIdentifier": ep["EndpointIdentifier"],
        "ReplicationInstanceIdentifier": inst["ReplicationInstanceIdentifier"],
    }
    dms.store.state.connections[key] = conn
    start_connection_test(dms.store, key, conn, ep)
    return {"Connection": dict(conn)}


def describe_connections(dms: Dms, body: dict[str, Any]) -> dict[str, Any]:
    return described(dms, body, "Connections")


def delete_connection(dms: Dms, body: dict[str, Any]) -> dict[str, Any]:
    key = f"{body['ReplicationInstanceArn']}|{body['EndpointArn']}"
    conn = dms.store.state.connections.pop(key, None)
    if conn is None:
        raise not_found("Connection not found")
    return {"Connection": {**conn, "Status": "deleting"}}


OPERATIONS = {
    "TestConnection": test_connection,
    "DescribeConnections": describe_connections,
    "DeleteConnection": delete_connection,
}
