"""The demo world names its servers and DNS zone with fixed ids, so a migration plan can refer to them."""

import pytest
from pydantic import ValidationError

from sandbox.config import DEMO_CONFIG, SandboxConfig
from sandbox.testing import running_sandbox


@pytest.mark.integration
def test_fixed_ids_and_records_pointing_at_the_sources():
    with running_sandbox() as sandbox:
        servers = sandbox.client("mgn").describe_source_servers(filters={})["items"]
        by_host = {s["sourceProperties"]["identificationHints"]["hostname"]: s for s in servers}
        assert by_host["web-1"]["sourceServerID"] == "s-0000000000000web1"
        records = sandbox.client("route53").list_resource_record_sets(HostedZoneId="Z0SANDBOXCORP")
        a_records = {r["Name"]: r for r in records["ResourceRecordSets"] if r["Type"] == "A"}
        source_ip = by_host["web-1"]["sourceProperties"]["networkInterfaces"][0]["ips"][0]
        assert a_records["web-1.corp.example.com."]["ResourceRecords"] == [{"Value": source_ip}]


def test_config_rejects_duplicate_or_malformed_fixed_ids():
    servers = DEMO_CONFIG["source_servers"]
    with pytest.raises(ValidationError, match="unique"):
        SandboxConfig.model_validate(
            {
                "source_servers": [
                    servers[0],
                    {**servers[1], "source_server_id": servers[0]["source_server_id"]},
                ]
            }
        )
    with pytest.raises(ValidationError, match="source_server_id"):
        SandboxConfig.model_validate({"source_servers": [{**servers[0], "source_server_id": "s-1"}]})
    with pytest.raises(ValidationError, match="exactly one of values, source"):
        SandboxConfig.model_validate(
            {"dns_zones": [{"id": "Z1", "name": "x.com", "records": [{"name": "a.x.com"}]}]}
        )
