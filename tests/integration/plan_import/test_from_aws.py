"""`plan_import aws` against a sandbox world: 20 servers in 3 MGN waves, 2 DMS tasks, Route 53 records.

The world is made through real boto3 clients; the importer runs as the CLI users run (a subprocess with
--endpoint-url); the drafted plan must validate, lint without errors, and match the world.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from migration_plan.lint import lint_file
from migration_plan.validate import validate_file

from sandbox.testing import include_all, running_sandbox

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
ZONE = "Z0IMPORTCORP"
WAVES = {  # MGN wave name -> {application name: server numbers}
    "Wave 1 (web)": {"storefront": range(1, 8)},
    "wave-2": {"orders": range(8, 12), "billing": range(12, 15)},
    "wave-3": {"reporting": range(15, 21)},
}
DNS_SERVERS = [1, 2, 8, 15]  # app-N with an A record at its source address
PREFIX = "127.231.17"  # no source app binds it (app: false): addresses are known before the start
CONFIG = {
    "timing": {"initiation_seconds": 0.05},
    "network": {"source_prefix": PREFIX, "instance_prefix": "127.231.18"},
    "source_servers": [
        {
            "hostname": "app-{n}",
            "count": 20,
            "app": False,
            "churn_kbps": 0,
            "disks": [{"device": "/dev/sda", "size_mb": 1}],
        }
    ],
    "dns_zones": [
        {
            "id": ZONE,
            "name": "corp.example.com",
            "records": [{"name": f"app-{n}.corp.example.com", "source": f"app-{n}"} for n in DNS_SERVERS]
            + [
                {"name": "printer.corp.example.com", "values": ["10.99.0.1"]},  # at no source server
                {"name": "pool.corp.example.com", "values": [f"{PREFIX}.5", f"{PREFIX}.6"]},  # two servers
                {"name": "www.corp.example.com", "source": "app-1"},  # a second name for app-1
            ],
        }
    ],
}
FAST = {"Delay": 0.2, "MaxAttempts": 150}


def _seed_mgn(sandbox) -> dict[str, str]:
    """MGN waves and applications over the registered servers; hostname -> source server id."""
    mgn = sandbox.client("mgn")
    servers = {
        s["sourceProperties"]["identificationHints"]["hostname"]: s["sourceServerID"]
        for s in mgn.describe_source_servers(filters={})["items"]
    }
    assert len(servers) == 20
    for wave_name, apps in WAVES.items():
        wave_id = mgn.create_wave(name=wave_name)["waveID"]
        app_ids = []
        for app_name, numbers in apps.items():
            app_id = mgn.create_application(name=app_name)["applicationID"]
            mgn.associate_source_servers(
                applicationID=app_id, sourceServerIDs=[servers[f"app-{n}"] for n in numbers]
            )
            app_ids.append(app_id)
        mgn.associate_applications(waveID=wave_id, applicationIDs=app_ids)
    mgn.update_launch_configuration(
        sourceServerID=servers["app-3"], targetInstanceTypeRightSizingMethod="NONE", copyPrivateIp=True
    )
    return servers


def _seed_dms(sandbox, tmp_path: Path) -> dict[str, str]:
    """Two tasks: sqlite -> sqlite, and postgres (secret) -> postgres (user name and password)."""
    dms, secrets = sandbox.client("dms"), sandbox.client("secretsmanager")
    instance = dms.create_replication_instance(
        ReplicationInstanceIdentifier="ri-import",
        ReplicationInstanceClass="dms.c5.large",
        AllocatedStorage=100,
    )["ReplicationInstance"]["ReplicationInstanceArn"]
    dms.get_waiter("replication_instance_available").wait(
        Filters=[{"Name": "replication-instance-arn", "Values": [instance]}], WaiterConfig=FAST
    )
    secret_arn = secrets.create_secret(
        Name="dc1/ledger-source", SecretString='{"username": "u", "password": "p"}'
    )["ARN"]

    def endpoint(ident, kind, engine, **extra):
        return dms.create_endpoint(EndpointIdentifier=ident, EndpointType=kind, EngineName=engine, **extra)[
            "Endpoint"
        ]["EndpointArn"]

    ends = {
        "cat-src": endpoint("cat-src", "source", "sqlite", DatabaseName=str(tmp_path / "catalog.db")),
        "cat-tgt": endpoint("cat-tgt", "target", "sqlite", DatabaseName=str(tmp_path / "catalog-aws.db")),
        "ledger-src": endpoint(
            "ledger-src",
            "source",
            "postgres",
            DatabaseName="ledger",
            PostgreSQLSettings={
                "SecretsManagerSecretId": "dc1/ledger-source",
                "SecretsManagerAccessRoleArn": "arn:aws:iam::123456789012:role/dms-secrets",
            },
        ),
        "ledger-tgt": endpoint(
            "ledger-tgt",
            "target",
            "postgres",
            ServerName="ledger.abc.us-east-1.rds.amazonaws.com",
            Port=5432,
            DatabaseName="ledger",
            Username="admin",
            Password="never-in-the-plan",
        ),
    }
    mappings = json.dumps(include_all())
    for ident, kind, src, tgt, settings in (
        ("catalog", "full-load", "cat-src", "cat-tgt", {"ValidationSettings": {"EnableValidation": True}}),
        (
            "ledger",
            "full-load-and-cdc",
            "ledger-src",
            "ledger-tgt",
            {"FullLoadSettings": {"CommitRate": 5000}},
        ),
    ):
        dms.create_replication_task(
            ReplicationTaskIdentifier=ident,
            SourceEndpointArn=ends[src],
            TargetEndpointArn=ends[tgt],
            ReplicationInstanceArn=instance,
            MigrationType=kind,
            TableMappings=mappings,
            ReplicationTaskSettings=json.dumps(settings),
        )
    return {"secret_arn": secret_arn}


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("plan-import")
    with running_sandbox(CONFIG, tmp_path / "state", subprocess=True) as sandbox:
        servers = _seed_mgn(sandbox)
        dms = _seed_dms(sandbox, tmp_path)
        mgn = sandbox.client("mgn")
        ips = {
            s["sourceProperties"]["identificationHints"]["hostname"]: s["sourceProperties"][
                "networkInterfaces"
            ][0]["ips"][0]
            for s in mgn.describe_source_servers(filters={})["items"]
        }
        out = tmp_path / "drafted.yaml"
        env = {
            **os.environ,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        }
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "plan_import",
                "aws",
                "--out",
                str(out),
                "--region",
                "us-east-1",
                "--endpoint-url",
                sandbox.endpoint_url,
                "--name",
                "dc1",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    return {"run": run, "out": out, "servers": servers, "ips": ips, **dms}


def test_the_draft_validates_and_lints_without_errors(imported):
    assert imported["run"].returncode == 0, imported["run"].stderr
    result = validate_file(imported["out"])
    assert result.ok, [issue.render() for issue in result.issues]
    assert not [issue.render() for issue in lint_file(imported["out"]) if issue.severity == "error"]


def test_waves_and_servers_match_mgn(imported):
    plan = validate_file(imported["out"]).plan
    assert [wave.name for wave in plan.waves] == ["Wave-1-web", "wave-2", "wave-3"]
    for wave, (mgn_name, apps) in zip(plan.waves, WAVES.items(), strict=True):
        expected = {f"app-{n}" for numbers in apps.values() for n in numbers}
        assert {server.hostname for server in wave.servers} == expected, mgn_name
        for server in wave.servers:
            assert server.source_server_id == imported["servers"][server.hostname]
            assert server.source_ip == imported["ips"][server.hostname]
            assert server.os == "linux" and server.disk_gb == 0.001
    app3 = next(s for w in plan.waves for s in w.servers if s.hostname == "app-3")
    assert app3.launch.right_sizing == "NONE" and app3.launch.copy_private_ip is True
    assert app3.launch.byol is True  # the sandbox's launch configuration, not the plan's default


def test_dns_switches_match_the_records_at_source_addresses(imported):
    plan = validate_file(imported["out"]).plan
    dns = {s.hostname: s.dns for w in plan.waves for s in w.servers if s.dns is not None}
    assert set(dns) == {f"app-{n}" for n in DNS_SERVERS}
    for hostname, record in dns.items():
        assert (record.zone_id, record.name, record.ttl) == (ZONE, f"{hostname}.corp.example.com", 60)


def test_databases_match_dms_and_no_secret_is_copied(imported):
    plan = validate_file(imported["out"]).plan
    databases = {database.name: database for database in plan.databases}
    assert set(databases) == {"catalog", "ledger"}
    catalog, ledger = databases["catalog"], databases["ledger"]
    assert catalog.migration_type == "full-load" and catalog.source.engine == "sqlite"
    assert catalog.validation.dms_validation is True
    assert catalog.replication_instance.instance_class == "dms.c5.large"
    assert catalog.replication_instance.allocated_storage_gb == 100
    assert ledger.migration_type == "full-load-and-cdc"
    assert ledger.source.secret_arn == imported["secret_arn"]
    assert ledger.source.secrets_access_role_arn == "arn:aws:iam::123456789012:role/dms-secrets"
    assert ledger.target.host == "ledger.abc.us-east-1.rds.amazonaws.com" and ledger.target.conn_id
    assert ledger.task_settings["FullLoadSettings"]["CommitRate"] == 5000
    assert ledger.table_mappings.rules[0]["rule-action"] == "include"
    text = imported["out"].read_text()
    assert "never-in-the-plan" not in text and '"password"' not in text


def test_guesses_are_marked_and_the_unmapped_is_said(imported):
    text = imported["out"].read_text()
    loaded = yaml.safe_load(text)
    assert loaded["plan"]["approvers"] == ["replace-with-approver-id"]
    lines = text.splitlines()
    assert any("approvers:" in line and "# GUESSED" in line for line in lines)
    assert any("name: Wave-1-web" in line and "# GUESSED" in line for line in lines)
    assert any("conn_id: ledger_target" in line and "# GUESSED" in line for line in lines)
    assert any("source_server_id:" in line and "MGN: replication" in line for line in lines)
    stderr = imported["run"].stderr
    assert "not mapped: endpoint ledger-tgt: credentials not mapped" in stderr
    assert "not mapped: DNS pool.corp.example.com (Z0IMPORTCORP): 2 addresses" in stderr
    assert "not mapped: DNS www.corp.example.com (Z0IMPORTCORP): app-1 already switches" in stderr
    assert "drafted;" in stderr and " 0 error(s)" in stderr
