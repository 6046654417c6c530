"""The rehearsal's world file: validation with file and field in every error, and the plan it rewrites."""

from __future__ import annotations

from pathlib import Path

import pytest
from migration_plan.validate import validate_file

from devstack.rehearsal_world import rehearsal_plan, sandbox_config, zone_name
from devstack.world import WorldError, check_world, load_world

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "include" / "plans" / "example.yaml"
WORLD = ROOT / "devstack" / "worlds" / "example.yaml"


def test_the_example_world_fits_the_example_plan():
    world, base = load_world(WORLD)
    check_world(world, validate_file(str(EXAMPLE)).plan, WORLD)
    assert world.databases["orders"].source.effective_port == 3306 and base == WORLD.parent


def test_bad_fields_are_reported_with_the_file_and_the_path(tmp_path):
    bad = tmp_path / "w.yaml"
    bad.write_text(
        "databases:\n  orders:\n    source: {engine: oracle, database: x}\n    target: {engine: sqlite}\n"
    )
    with pytest.raises(WorldError) as error:
        load_world(bad)
    lines = str(error.value).splitlines()
    assert any(line.startswith(f"{bad}: databases.orders.source.engine:") for line in lines)
    assert any("databases.orders.target" in line and "needs file:" in line for line in lines)


def test_a_database_missing_from_the_world_is_a_clear_error(tmp_path):
    empty = tmp_path / "w.yaml"
    empty.write_text("databases: {}\n")
    world, _ = load_world(empty)
    with pytest.raises(
        WorldError, match=r"databases\.orders: missing: say where the plan's database 'orders' lives"
    ):
        check_world(world, validate_file(str(EXAMPLE)).plan, empty)


def test_the_rewritten_plan_points_at_the_local_world_and_still_validates(tmp_path):
    result = validate_file(str(EXAMPLE))
    world, base = load_world(WORLD)
    import yaml

    data = yaml.safe_load(EXAMPLE.read_text())
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rehearsal/orders/source-AbCdEf"
    topic = "arn:aws:sns:us-east-1:123456789012:migration-approvals"
    made = {("orders", "source"): arn, ("sns", topic): topic.replace("approvals", "approvals-made")}
    plan = rehearsal_plan(data, result.table_mappings, world, base, made)
    db = plan["databases"][0]
    assert plan["plan"]["aws_conn_id"] == "aws_sandbox"
    # the gates notify the topic made in the sandbox; e-mail is left out (no mail server in a rehearsal)
    assert plan["plan"]["notify"] == [{"type": "sns", "target": made[("sns", topic)]}]
    assert db["source"] == {
        "engine": "mysql",
        "host": "127.0.0.1",
        "port": 3306,
        "database": "rehearse_orders_source",
        "secret_arn": arn,
    }
    assert db["target"]["conn_id"] == "rehearsal_db" and "secret_arn" not in db["target"]
    assert db["table_mappings"]["rules"][0]["object-locator"]["schema-name"] == "rehearse_orders_source"
    (tmp_path / "plans").mkdir()
    out = tmp_path / "plans" / "p.yaml"
    out.write_text(yaml.safe_dump(plan, sort_keys=False))
    assert validate_file(str(out)).ok


def test_sandbox_config_has_the_plans_servers_and_zones():
    from sandbox.config import SandboxConfig

    config = sandbox_config(validate_file(str(EXAMPLE)).plan, load_world(WORLD)[0])
    SandboxConfig.model_validate(config)  # the sandbox accepts it
    ids = {s["source_server_id"] for s in config["source_servers"]}
    assert ids == {"s-1a2b3c4d5e6f7a8b9", "s-2b3c4d5e6f7a8b9c0"}
    zone = config["dns_zones"][0]
    assert zone["id"] == "Z0123456789ABCDEFGHIJ" and zone["name"] == "internal.example.com"
    assert {r["name"] for r in zone["records"]} >= {
        "web-01.internal.example.com",
        "orders-db.internal.example.com",
    }
    assert zone_name(["a.b.c", "x.b.c"]) == "b.c" and zone_name(["a.b.c"]) == "b.c"
