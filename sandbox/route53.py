"""Route 53 zones of the sandbox world, created in moto with the fixed ids the config gives.

moto picks random zone ids; a migration plan names its zone id, so the sandbox re-keys the zone it creates.
Records may point at a source server's address (`source: web-1`), which is what DNS looks like before a
cutover. moto's state lives in the process: at every start the configured records are set again, so a record
switched before a restart points back at its source afterwards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandbox.world import SandboxWorld


def seed_zones(world: SandboxWorld, source_ips: dict[str, str]) -> None:
    from moto.route53.models import route53_backends

    backend = route53_backends[world.account_id]["aws"]
    for zone_config in world.config.dns_zones:
        if zone_config.id not in backend.zones:
            zone = backend.create_hosted_zone(zone_config.name, private_zone=True, comment="sandbox")
            backend.zones.pop(zone.resource_id)
            zone.resource_id = zone_config.id
            backend.zones[zone_config.id] = zone
        # Records are (re)set at every start: another sandbox of this process may have left other addresses.
        changes = []
        for record in zone_config.records:
            values = record.values
            if values is None:
                if record.source not in source_ips:
                    raise ValueError(f"dns record {record.name}: no source server named {record.source!r}")
                values = [source_ips[record.source]]
            changes.append(
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": record.name,
                        "Type": record.type,
                        "TTL": record.ttl,
                        "ResourceRecords": [{"Value": v} for v in values],
                    },
                }
            )
        if changes:
            backend.change_resource_record_sets(zone_config.id, changes)
