"""Route 53 A records that point at a source server's address become that server's DNS switch."""

from __future__ import annotations

from typing import Any

from plan_import.aws_mgn import pages
from plan_import.draft import Draft


def _records(route53: Any) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for zone in pages(route53, "list_hosted_zones", "HostedZones"):
        zone_id = zone["Id"].rsplit("/", 1)[-1]
        for record in pages(route53, "list_resource_record_sets", "ResourceRecordSets", HostedZoneId=zone_id):
            if record["Type"] == "A" and "AliasTarget" not in record:
                out.append((zone_id, record))
    return out


def attach_dns(draft: Draft, route53: Any) -> None:
    """Set `dns` on every drafted server whose source_ip an A record holds; say what could not be used."""
    servers = {
        server["source_ip"]: server
        for wave in draft.data.get("waves", [])
        for server in wave["servers"]
        if server.get("source_ip")
    }
    for zone_id, record in sorted(_records(route53), key=lambda item: (item[0], item[1]["Name"])):
        name = record["Name"].rstrip(".").replace("\\052", "*")
        values = [value["Value"] for value in record.get("ResourceRecords", [])]
        hits = [ip for ip in values if ip in servers]
        if not hits:
            continue
        if len(values) > 1:
            draft.skip(
                f"DNS {name} ({zone_id}): {len(values)} addresses; a switch replaces one record per server"
            )
            continue
        if "*" in name or "weight" in {key.lower() for key in record} or record.get("SetIdentifier"):
            draft.skip(
                f"DNS {name} ({zone_id}): a wildcard or routing-policy record is not switched by the plan"
            )
            continue
        server = servers[hits[0]]
        if "dns" in server:
            draft.skip(
                f"DNS {name} ({zone_id}): {server['hostname']} already switches {server['dns']['name']}"
            )
            continue
        server["dns"] = {"zone_id": zone_id, "name": name, "ttl": record.get("TTL", 60)}
