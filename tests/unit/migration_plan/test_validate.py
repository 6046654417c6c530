"""Validation of good plans, defaults, and the CLI's exit codes and output formats."""

import json
import shutil
from pathlib import Path

from migration_plan import defaults
from migration_plan.cli import main
from migration_plan.validate import validate_file

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "include" / "plans" / "example.yaml"
MINIMAL = ROOT / "tests" / "plans" / "valid" / "minimal.yaml"


def test_example_plan_is_valid_and_resolves_its_mapping_file():
    result = validate_file(EXAMPLE)
    assert result.ok, [i.render() for i in result.issues]
    assert result.table_mappings["orders"][0]["rule-action"] == "include"
    assert result.plan.waves[0].servers[1].dns.ttl == 60


def test_defaults_come_from_the_defaults_module():
    plan = validate_file(MINIMAL).plan
    server = plan.waves[0].servers[0]
    assert server.launch.right_sizing == defaults.LAUNCH["right_sizing"]
    assert plan.plan.aws_conn_id == defaults.PLAN["aws_conn_id"]
    assert plan.waves[0].max_replication_lag_seconds == defaults.WAVE["max_replication_lag_seconds"]


def test_every_shipped_plan_is_valid():
    plans = sorted((ROOT / "include" / "plans").glob("*.yaml"))
    assert plans
    for path in plans:
        assert validate_file(path).ok, path


def test_cli_valid_plan_exits_0(capsys):
    assert main(["validate", str(EXAMPLE)]) == 0
    assert "valid" in capsys.readouterr().err


def test_cli_json_format_lists_every_error(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("plan:\n  name: x\n  region: nowhere\nwaves:\n  - name: w\n    servers: []\n")
    assert main(["validate", "--format", "json", str(bad)]) == 2
    found = json.loads(capsys.readouterr().out)
    assert {(f["path"], f["line"]) for f in found} == {("plan.region", 3), ("waves[0].servers", 6)}
    assert all((f["file"] == str(bad) and f["fix"]) or "expected" in f["message"] for f in found)


def test_missing_file_is_a_clear_error(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "does not exist" in capsys.readouterr().out


def test_mapping_file_is_resolved_relative_to_the_plan(tmp_path):
    (tmp_path / "plans").mkdir()
    shutil.copy(EXAMPLE, tmp_path / "plans" / "example.yaml")
    result = validate_file(tmp_path / "plans" / "example.yaml")
    assert [i.code for i in result.errors] == ["dms.table-mappings"]
    (tmp_path / "mappings").mkdir()
    shutil.copy(ROOT / "include" / "mappings" / "orders.json", tmp_path / "mappings")
    assert validate_file(tmp_path / "plans" / "example.yaml").ok


def test_merge_keys_and_anchors_are_supported(tmp_path):
    plan = tmp_path / "anchors.yaml"
    plan.write_text(
        "plan: {name: a, region: eu-west-1, approvers: [al]}\n"
        "x-checks: &checks\n  http: [{url: 'http://{ip}/health'}]\n"
        "waves:\n  - name: w\n    health_checks: *checks\n"
        "    servers: [{hostname: h1, source_server_id: s-0123456789abcdef0}]\n"
    )
    result = validate_file(plan)
    # x- keys are not part of the schema: anchors must live inside known keys
    assert [i.code for i in result.errors] == ["plan.unknown-key"]
    plan.write_text(
        plan.read_text()
        .replace("x-checks: &checks\n  http: [{url: 'http://{ip}/health'}]\n", "")
        .replace("health_checks: *checks", "health_checks: &checks {http: [{url: 'http://{ip}/health'}]}")
    )
    assert validate_file(plan).ok


def test_plans_readme_documents_every_field_and_rule():
    from migration_plan.docs import README, render_readme

    text = README.read_text()
    assert render_readme(text) == text, "run `python -m migration_plan docs --write`"
    assert "`source_server_id` | **required**" in text and "| MIG005 | error |" in text


def test_lists_where_dms_expects_names_are_errors_not_crashes(tmp_path):
    """Found by the fuzz test: unhashable values used to raise TypeError in the DMS checks."""
    plan = tmp_path / "p.yaml"
    plan.write_text(
        "plan: {name: p, region: us-east-1, approvers: [a]}\n"
        "databases:\n  - name: d\n    migration_type: cdc\n"
        "    source: {engine: mysql, host: h, database: x, conn_id: c}\n"
        "    target: {engine: mysql, host: h, database: x, conn_id: c}\n"
        "    task_settings: {FullLoadSettings: {TargetTablePrepMode: [DROP_AND_CREATE]}}\n"
        "    table_mappings:\n      rules:\n"
        "        - {rule-type: [selection], rule-id: '1', rule-name: a, object-locator: {schema-name: s, table-name: t}}\n"
        "        - {rule-type: selection, rule-id: '2', rule-name: b, rule-action: [include], object-locator: {schema-name: s, table-name: t}}\n"
        "        - {rule-type: transformation, rule-id: '3', rule-name: c, rule-action: rename, rule-target: [table], object-locator: {schema-name: s, table-name: t}}\n"
    )
    messages = [i.message for i in validate_file(plan).errors]
    assert any("TargetTablePrepMode" in m or "one of DO_NOTHING" in m for m in messages), messages
    assert any("rule-type must be one of" in m for m in messages)
    assert any("rule-action of a selection rule" in m for m in messages)
    assert any("rule-target must be one of" in m for m in messages)


def test_a_schema_rename_names_only_its_schema_but_a_table_rule_needs_the_table(tmp_path):
    """DMS accepts `object-locator: {schema-name: s}` for rule-target schema; table rules need table-name."""
    plan = tmp_path / "p.yaml"
    head = (
        "plan: {name: p, region: us-east-1, approvers: [a]}\n"
        "databases:\n  - name: d\n    migration_type: full-load\n"
        "    source: {engine: mysql, host: h, database: x, conn_id: c}\n"
        "    target: {engine: postgres, host: h, database: x, conn_id: c}\n"
        "    table_mappings:\n      rules:\n"
        "        - {rule-type: selection, rule-id: '1', rule-name: a, rule-action: include, object-locator: {schema-name: x, table-name: '%'}}\n"
    )
    plan.write_text(
        head + "        - {rule-type: transformation, rule-id: '2', rule-name: b, rule-action: rename, "
        "rule-target: schema, value: public, object-locator: {schema-name: x}}\n"
    )
    assert validate_file(plan).ok, [i.message for i in validate_file(plan).errors]
    plan.write_text(
        head + "        - {rule-type: transformation, rule-id: '2', rule-name: b, rule-action: rename, "
        "rule-target: table, value: t2, object-locator: {schema-name: x}}\n"
    )
    messages = [i.message for i in validate_file(plan).errors]
    assert any("object-locator needs schema-name and table-name" in m for m in messages), messages
