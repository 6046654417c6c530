"""The database DAG built from real plans: stage order per migration type, rollback, the cutover Asset."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from migration_dags.build import build_plan_dags
from migration_dags.database import build_database_dag
from migration_dags.naming import database_cutover_asset
from migration_plan.validate import validate_file
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "include" / "plans" / "example.yaml"


def _runs_in_order(dag, task_ids: list[str]) -> None:
    for before, after in itertools.pairwise(task_ids):
        assert before in dag.get_task(after).get_flat_relative_ids(upstream=True), (before, after)


def _variant(tmp_path: Path, change) -> tuple:
    yaml = YAML()
    data = yaml.load(EXAMPLE.read_text())
    change(data["databases"][0])
    (tmp_path / "mappings").mkdir()
    (tmp_path / "mappings" / "orders.json").write_text(
        (ROOT / "include" / "mappings" / "orders.json").read_text()
    )
    (tmp_path / "plans").mkdir()
    path = tmp_path / "plans" / "p.yaml"
    with path.open("w") as fh:
        yaml.dump(data, fh)
    result = validate_file(str(path))
    assert result.ok, [i.render() for i in result.errors]
    return result, result.plan.databases[0]


def test_example_orders_dag_runs_every_stage_in_order_and_emits_the_cutover_asset():
    result = validate_file(str(EXAMPLE))
    dags = {d.dag_id: d for d in build_plan_dags(result)}
    dag = dags["acme-dc1__database__orders"]
    _runs_in_order(
        dag,
        [
            "replication_instance",
            "source_endpoint",
            "test_connections",
            "replication_task",
            "start_task",
            "full_load",
            "dms_validation",
            "gx_row_checks",
            "current_lag",
            "approve_cutover",
            "source_read_only",
            "cdc_lag",
            "gx_verify",
            "stop_task",
            "switch_address",
            "measure_downtime",
            "approve_finalize",
        ],
    )
    assert dag.get_task("target_endpoint").downstream_task_ids >= {"test_connections", "replication_task"}
    asset = database_cutover_asset("acme-dc1", "orders")
    assert dag.get_task("measure_downtime").outlets == [asset]
    wave = dags["acme-dc1__wave__web"]
    assert wave.get_task("wait_for_databases").assets == [asset]  # the wave waits on what this DAG emits
    assert (
        dag.get_task("gx_row_checks").report_only is True and dag.get_task("gx_verify").report_only is False
    )
    # GX runs even after a failed DMS validation (both name a mismatch); the gate needs both to pass
    assert dag.get_task("gx_row_checks").trigger_rule == "all_done"
    gate = dag.get_task("approve_cutover")
    assert "dms_validation" in gate.upstream_task_ids and "gx_row_checks" in gate.get_flat_relative_ids(
        upstream=True
    )
    assert dag.get_task("current_lag").trigger_rule == "all_success"  # a failed GX check blocks the gate
    assert dag.get_task("cdc_lag").deferrable and dag.get_task("full_load").deferrable


def test_rollback_runs_on_any_failure_and_restores_after_making_writable():
    dag = build_database_dag(validate_file(str(EXAMPLE)), validate_file(str(EXAMPLE)).plan.databases[0])
    writable, restore = dag.get_task("rollback.source_writable"), dag.get_task("rollback.restore_address")
    assert writable.trigger_rule == "one_failed" and writable.read_only is False
    assert {"approve_cutover", "approve_finalize", "cdc_lag", "switch_address"} <= writable.upstream_task_ids
    assert restore.trigger_rule == "none_skipped" and restore.upstream_task_ids == {
        "rollback.source_writable"
    }
    assert [t for t in ("delete_task", "delete_instance") if t in dag.task_ids] == [
        "delete_task",
        "delete_instance",
    ]
    assert dag.get_task("delete_task").upstream_task_ids == {"approve_finalize"}


@pytest.mark.parametrize(
    ("migration_type", "absent", "present"),
    [
        (
            "full-load",
            {"source_read_only", "cdc_lag", "stop_task", "gx_verify"},
            {"full_load", "gx_row_checks"},
        ),
        (
            "cdc",
            {"full_load", "dms_validation", "gx_row_checks"},
            {"source_read_only", "cdc_lag", "stop_task"},
        ),
    ],
)
def test_each_migration_type_gets_only_its_stages(tmp_path, migration_type, absent, present):
    def change(db):
        db["migration_type"] = migration_type
        if migration_type == "cdc":
            db["task_settings"]["FullLoadSettings"]["TargetTablePrepMode"] = "DO_NOTHING"

    result, db = _variant(tmp_path, change)
    dag = build_database_dag(result, db)
    assert not absent & set(dag.task_ids) and present <= set(dag.task_ids)
    assert dag.get_task("measure_downtime").outlets


def test_secret_address_switch_and_no_cleanup(tmp_path):
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/orders-db-AbCdEf"

    def change(db):
        db["cutover"]["address_switch"] = {"secret_arn": arn, "address_key": "host"}
        db["cleanup"] = {
            "delete_task": False,
            "delete_endpoints": False,
            "delete_replication_instance": False,
        }

    result, db = _variant(tmp_path, change)
    dag = build_database_dag(result, db)
    switch = dag.get_task("switch_address")
    assert switch.secret_arn == arn and switch.value == "orders.abc123.us-east-1.rds.amazonaws.com"
    assert dag.get_task("rollback.restore_address").revert is True
    assert not {t for t in dag.task_ids if t.startswith("delete_")}
