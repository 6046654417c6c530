"""The wave and rollback DAGs as the real builder makes them from plans: order, trigger rules, arguments."""

from __future__ import annotations

from pathlib import Path

import pytest
from airflow.task.trigger_rule import TriggerRule
from migration_dags.build_common import aws_args, plan_dag_args, wait_args
from migration_dags.wave import build_rollback_dag, build_wave_dag
from migration_plan.validate import validate_file

from tests.conftest import REPO_ROOT

MINIMAL = REPO_ROOT / "tests" / "plans" / "valid" / "minimal.yaml"
DEMO = REPO_ROOT / "include" / "plans" / "demo.yaml"
EXAMPLE = REPO_ROOT / "include" / "plans" / "example.yaml"

# The wave's main path, in the order it runs (DNS and the database wait only where the plan has them).
MAIN = [
    "replication_ready",
    "sync_mgn_wave",
    "update_launch_configuration",
    "start_test",
    "test_launched",
    "validate_test",
    "approve_cutover",
    "ready_for_cutover",
    "terminate_test_instances",
    "start_cutover",
    "cutover_launched",
    "validate_cutover",
    "approve_finalize",
    "finalize_cutover",
]
ROLLBACK = ["rollback.revert_lifecycle", "rollback.terminate_instances", "rollback.report"]


def _result(path: Path):
    result = validate_file(path)
    assert result.ok, [i.render() for i in result.issues]
    return result


def _plan_file(tmp_path: Path, wave_lines: str) -> Path:
    """minimal.yaml with extra keys on its wave (e.g. ``finalize: false``)."""
    text = MINIMAL.read_text().replace("  - name: w1\n", f"  - name: w1\n{wave_lines}")
    path = tmp_path / "variant.yaml"
    path.write_text(text)
    return path


def _wave(path: Path):
    result = _result(path)
    return build_wave_dag(result, result.plan.waves[0])


def _chain_from(dag, first: str, skip: tuple[str, ...] = ("rollback.", "mark_as_archived")) -> list[str]:
    """Follow the single downstream task, leaving out those starting with ``skip`` (the rollback group and
    the archive step, which hang off the main path)."""
    order, task = [first], dag.get_task(first)
    while True:
        nxt = [t for t in task.downstream_task_ids if not t.startswith(skip)]
        if not nxt:
            return order
        assert len(nxt) == 1, (task.task_id, nxt)
        order.append(nxt[0])
        task = dag.get_task(nxt[0])


def test_minimal_wave_runs_in_order_as_one_chain():
    dag = _wave(MINIMAL)
    assert _chain_from(dag, "replication_ready") == MAIN
    assert set(dag.task_ids) == {*MAIN, "mark_as_archived", *ROLLBACK}
    assert dag.get_task("replication_ready").upstream_task_ids == set()


def test_dns_switch_runs_after_cutover_checks_and_its_revert_in_the_rollback():
    dag = _wave(DEMO)
    expected = [*MAIN[:12], "switch_dns", *MAIN[12:]]
    assert _chain_from(dag, "replication_ready") == expected
    assert dag.get_task("rollback.restore_dns").upstream_task_ids == {"rollback.terminate_instances"}
    assert dag.get_task("rollback.report").upstream_task_ids == {"rollback.restore_dns"}


def test_wave_using_databases_first_waits_for_their_cutover_assets():
    dag = _wave(EXAMPLE)
    order = _chain_from(dag, "wait_for_databases")
    assert order[:2] == ["wait_for_databases", "replication_ready"]
    sensor = dag.get_task("wait_for_databases")
    assert [a.name for a in sensor.assets] == ["acme-dc1.orders.cutover"]
    assert sensor.mode == "reschedule"


def test_main_tasks_need_success_and_any_failure_starts_the_rollback():
    dag = _wave(DEMO)
    revert = dag.get_task("rollback.revert_lifecycle")
    main = set(dag.task_ids) - {t for t in dag.task_ids if t.startswith("rollback.")} - {"mark_as_archived"}
    assert revert.upstream_task_ids == main
    assert revert.trigger_rule == TriggerRule.ONE_FAILED
    for task_id in main | {"mark_as_archived"}:
        assert dag.get_task(task_id).trigger_rule == TriggerRule.ALL_SUCCESS, task_id
    # Later rollback steps run even when the one before failed (DNS is restored after a failed terminate).
    for task_id in ("rollback.terminate_instances", "rollback.restore_dns", "rollback.report"):
        assert dag.get_task(task_id).trigger_rule == TriggerRule.NONE_SKIPPED, task_id


def test_archive_follows_finalize_and_cannot_start_the_rollback():
    dag = _wave(MINIMAL)
    archive = dag.get_task("mark_as_archived")
    assert archive.upstream_task_ids == {"finalize_cutover"}
    assert "mark_as_archived" not in dag.get_task("rollback.revert_lifecycle").upstream_task_ids


@pytest.mark.parametrize(
    ("wave_lines", "last", "absent"),
    [
        ("    finalize: false\n", "approve_finalize", {"finalize_cutover", "mark_as_archived"}),
        ("    archive: false\n", "finalize_cutover", {"mark_as_archived"}),
    ],
)
def test_finalize_and_archive_follow_the_plan(tmp_path, wave_lines, last, absent):
    dag = _wave(_plan_file(tmp_path, wave_lines))
    assert _chain_from(dag, "replication_ready")[-1] == last
    assert not absent & set(dag.task_ids)


def test_gates_show_their_own_stage_job_and_checks():
    dag = _wave(DEMO)
    for gate, stage in (("approve_cutover", "test"), ("approve_finalize", "cutover")):
        body = dag.get_task(gate).body
        assert f"task_ids='start_{stage}'" in body and f"task_ids='validate_{stage}'" in body, gate
        assert "key='validation_report'" in body
        assert dag.get_task(gate).retries == 0


def test_launches_wait_deferred_and_validate_with_the_plan_checks():
    result = _result(DEMO)
    dag = build_wave_dag(result, result.plan.waves[0])
    poll = result.plan.plan.poll_interval_seconds
    for stage in ("test", "cutover"):
        sensor = dag.get_task(f"{stage}_launched")
        assert (sensor.deferrable, sensor.waiter_delay) == (True, poll)
        assert sensor.waiter_max_attempts == 6 * 3600 // poll
        validate = dag.get_task(f"validate_{stage}")
        assert validate.source_server_ids == [s.source_server_id for s in result.plan.waves[0].servers]
        assert set(validate.server_checks) == set(validate.source_server_ids)


def test_every_task_gets_the_plan_connection_and_dag_arguments():
    result = _result(DEMO)
    plan = result.plan
    dag = build_wave_dag(result, plan.waves[0])
    assert dag.tags == {"migration", f"plan:{plan.plan.name}", "mgn", "wave"}
    assert (dag.max_active_runs, dag.catchup, dag.schedule) == (1, False, None)
    assert dag.default_args["owner"] == plan.plan.owner
    for task in dag.tasks:
        if hasattr(task, "aws_conn_id") or "aws_conn_id" in getattr(task, "partial_kwargs", {}):
            conn = getattr(task, "aws_conn_id", None) or task.partial_kwargs["aws_conn_id"]
            assert conn == plan.plan.aws_conn_id, task.task_id


def test_rollback_dag_runs_every_step_in_order():
    result = _result(DEMO)
    dag = build_rollback_dag(result, result.plan.waves[0])
    assert dag.tags == {"migration", "plan:demo", "mgn", "rollback"}
    revert = dag.get_task("rollback.revert_lifecycle")
    assert (revert.upstream_task_ids, revert.trigger_rule) == (set(), TriggerRule.ALL_SUCCESS)
    assert _chain_from(dag, "rollback.revert_lifecycle", skip=()) == [
        "rollback.revert_lifecycle",
        "rollback.terminate_instances",
        "rollback.restore_dns",
        "rollback.report",
    ]
    for task_id in ("rollback.terminate_instances", "rollback.restore_dns", "rollback.report"):
        assert dag.get_task(task_id).trigger_rule == TriggerRule.ALL_DONE, task_id


def test_dag_argument_helpers_are_the_ones_a_new_builder_uses():
    plan = _result(MINIMAL).plan
    args = plan_dag_args(plan, "x__y", "dms", doc_md="doc", max_active_runs=1)
    assert args["tags"] == ["migration", "plan:minimal", "dms"]
    assert (args["dag_id"], args["schedule"], args["catchup"], args["max_active_runs"]) == (
        "x__y",
        None,
        False,
        1,
    )
    assert plan_dag_args(plan, "x", doc_md="d", schedule="@hourly")["schedule"] == "@hourly"
    assert aws_args(plan) == {"aws_conn_id": plan.plan.aws_conn_id, "region_name": plan.plan.region}
    assert wait_args(plan, max_hours=1)["waiter_max_attempts"] == 3600 // plan.plan.poll_interval_seconds
