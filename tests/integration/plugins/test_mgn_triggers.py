"""Deferrable sensors hand a trigger to the triggerer; here the trigger runs against the sandbox."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import TaskDeferred
from airflow.sdk.module_loading import import_string
from operators.mgn import MgnStartCutoverOperator, MgnStartTestOperator
from sensors.mgn import MgnJobCompleteSensor, MgnReplicationReadySensor

FAST = {"waiter_delay": 1, "waiter_max_attempts": 60}


def run_trigger(trigger: Any, timeout: float = 60) -> list[dict[str, Any]]:
    """As the triggerer does: rebuild the trigger from its serialized form, then run it to the first event."""
    path, kwargs = trigger.serialize()
    rebuilt = import_string(path)(**kwargs)
    assert rebuilt.serialize() == (path, kwargs)

    async def first_event() -> dict[str, Any]:
        async for event in rebuilt.run():
            return event.payload
        raise AssertionError("trigger ended without an event")

    return asyncio.run(asyncio.wait_for(first_event(), timeout))


def deferred_trigger(sensor: Any, context: dict[str, Any]) -> Any:
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute(context)
    assert deferred.value.method_name == "execute_complete"
    return deferred.value.trigger


def test_job_complete_sensor_defers_and_its_trigger_reports_success(aws_conn, wave, context):
    job_id = MgnStartTestOperator(task_id="t", aws_conn_id=aws_conn, source_server_ids=wave).execute(context)
    sensor = MgnJobCompleteSensor(task_id="w", job_id=job_id, deferrable=True, aws_conn_id=aws_conn, **FAST)
    event = run_trigger(deferred_trigger(sensor, context))
    assert event == {"status": "success", "job_id": job_id}
    instances = sensor.execute_complete(context, event)
    assert sorted(instances) == wave


def test_job_trigger_reports_a_failed_launch(aws_conn, sandbox, wave, context):
    sandbox.faults(fail_launch=[wave[0]])
    job_id = MgnStartTestOperator(task_id="t", aws_conn_id=aws_conn, source_server_ids=wave).execute(context)
    sensor = MgnJobCompleteSensor(task_id="w", job_id=job_id, deferrable=True, aws_conn_id=aws_conn, **FAST)
    event = run_trigger(deferred_trigger(sensor, context))
    assert event["status"] == "error" and event["job_id"] == job_id


def test_replication_sensor_defers_and_its_trigger_reports_ready(aws_conn, wave, context):
    sensor = MgnReplicationReadySensor(
        task_id="r", source_server_ids=wave, max_lag_seconds=60, deferrable=True, aws_conn_id=aws_conn, **FAST
    )
    event = run_trigger(deferred_trigger(sensor, context))
    assert event == {"status": "success", "source_server_ids": wave}
    assert sensor.execute_complete(context, event) == wave


def test_replication_trigger_reports_a_stall(aws_conn, sandbox, wave, context):
    sandbox.faults(stall_replication=[wave[2]])
    sensor = MgnReplicationReadySensor(
        task_id="r", source_server_ids=wave, max_lag_seconds=60, deferrable=True, aws_conn_id=aws_conn, **FAST
    )
    event = run_trigger(deferred_trigger(sensor, context))
    assert event["status"] == "error"
    assert "STALLED" in event["message"] or wave[2] in event["message"]


def test_start_cutover_deferrable_wait_resumes_with_the_job(aws_conn, mgn, wave, context):
    common = {"aws_conn_id": aws_conn, "source_server_ids": wave}
    for sid in wave:
        mgn.change_server_life_cycle_state(sourceServerID=sid, lifeCycle={"state": "READY_FOR_CUTOVER"})
    op = MgnStartCutoverOperator(task_id="c", wait_for_completion=True, deferrable=True, **FAST, **common)
    event = run_trigger(deferred_trigger(op, context))
    assert event["status"] == "success"
    assert op.execute_complete(context, event) == event["job_id"]
    assert (
        mgn.describe_jobs(filters={"jobIDs": [event["job_id"]]})["items"][0]["initiatedBy"] == "START_CUTOVER"
    )
