"""The operators wire into a DAG from plain kwargs and XComArgs, and the DAG serializes (as the scheduler does)."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG
from airflow.serialization.serialized_objects import DagSerialization
from operators.dns import Route53RevertRecordOperator, Route53SwitchRecordOperator
from operators.mgn import (
    MgnChangeServerLifeCycleStateOperator,
    MgnFinalizeCutoverOperator,
    MgnMarkAsArchivedOperator,
    MgnStartCutoverOperator,
    MgnStartTestOperator,
    MgnSyncWaveOperator,
    MgnTerminateTargetInstancesOperator,
    MgnUpdateLaunchConfigurationOperator,
)
from operators.post_launch import MgnPostLaunchValidationOperator
from sensors.mgn import MgnJobCompleteSensor, MgnReplicationReadySensor

from tests.unit.plugins.conftest import sid

WAVE = [sid(1), sid(2)]


def build() -> DAG:
    aws = {"aws_conn_id": "aws_sandbox", "source_server_ids": WAVE}
    with DAG("wave_demo", schedule=None, start_date=datetime(2026, 1, 1), catchup=False) as dag:
        sync = MgnSyncWaveOperator(task_id="sync_wave", wave_name="wave-1", **aws)
        settings = MgnUpdateLaunchConfigurationOperator(
            task_id="launch_settings", right_sizing="BASIC", **aws
        )
        ready = MgnReplicationReadySensor(
            task_id="replication_ready", max_lag_seconds=60, deferrable=True, **aws
        )
        test = MgnStartTestOperator(task_id="start_test", **aws)
        test_done = MgnJobCompleteSensor(task_id="test_done", job_id=test.output, aws_conn_id="aws_sandbox")
        validate = MgnPostLaunchValidationOperator(
            task_id="validate_test", http_checks=[{"url": "http://{ip}:8080/health"}], **aws
        )
        to_cutover = MgnChangeServerLifeCycleStateOperator(
            task_id="ready_for_cutover", state="READY_FOR_CUTOVER", **aws
        )
        terminate = MgnTerminateTargetInstancesOperator(
            task_id="terminate_test", wait_for_completion=True, **aws
        )
        cutover = MgnStartCutoverOperator(task_id="start_cutover", **aws)
        cutover_done = MgnJobCompleteSensor(
            task_id="cutover_done", job_id=cutover.output, aws_conn_id="aws_sandbox"
        )
        switch = Route53SwitchRecordOperator(
            task_id="dns_switch",
            aws_conn_id="aws_sandbox",
            hosted_zone_id="Z1",
            record_name="web.example.com",
            source_server_id=WAVE[0],
            ttl=60,
        )
        revert = Route53RevertRecordOperator(
            task_id="dns_revert",
            aws_conn_id="aws_sandbox",
            hosted_zone_id="Z1",
            record_name="web.example.com",
            original=switch.output["original"],
            trigger_rule="one_failed",
        )
        finalize = MgnFinalizeCutoverOperator(task_id="finalize", **aws)
        archive = MgnMarkAsArchivedOperator(task_id="archive", **aws)
        sync >> settings >> ready >> test >> test_done >> validate >> to_cutover >> terminate >> cutover
        cutover_done >> switch >> [finalize, revert]
        finalize >> archive
    return dag


def test_wave_dag_serializes_with_links_and_templates():
    dag = build()
    data = DagSerialization.to_dict(dag)
    restored = DagSerialization.from_dict(data)
    assert set(restored.task_ids) == set(dag.task_ids)
    links = restored.get_task("start_cutover").operator_extra_link_dict
    assert {"MGN Job", "MGN Source Servers"} <= set(links)
    assert "source_server_ids" in restored.get_task("start_test").template_fields


def test_airflow_retries_by_default_and_default_args_win():
    from datetime import timedelta

    with DAG("d", schedule=None, start_date=datetime(2026, 1, 1), default_args={"retries": 5}):
        from_args = MgnFinalizeCutoverOperator(task_id="f", source_server_ids=WAVE)
    plain = MgnStartCutoverOperator(task_id="c", source_server_ids=WAVE)
    assert (plain.retries, plain.retry_exponential_backoff, plain.retry_delay) == (
        2,
        True,
        timedelta(minutes=1),
    )
    assert from_args.retries == 5
    assert MgnJobCompleteSensor(task_id="s", job_id="j").retries == 2
