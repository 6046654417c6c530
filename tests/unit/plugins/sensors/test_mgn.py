from __future__ import annotations

from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowException, TaskDeferred
from sensors.mgn import MgnJobCompleteSensor, MgnReplicationReadySensor
from triggers.mgn import MgnJobCompleteTrigger, MgnReplicationReadyTrigger

from tests.unit.plugins.conftest import jid, job, server, sid

IDS = [sid(1), sid(2)]
AWS: dict[str, Any] = {"aws_conn_id": None, "region_name": "us-east-1"}


def test_replication_poke_one_call_for_the_wave_and_logs_laggards(stub, context, capsys):
    sensor = MgnReplicationReadySensor(task_id="r", source_server_ids=IDS, max_lag_seconds=60, **AWS)
    stubber = stub(sensor.hook)
    stubber.add_response(
        "describe_source_servers",
        {"items": [server(1), server(2, lag="PT5M")]},
        {"filters": {"sourceServerIDs": IDS}, "maxResults": 1000},
    )
    assert sensor.poke(context) is False
    assert "lag=PT5M (300s)" in capsys.readouterr().out  # Airflow logs through structlog to stdout
    stubber.add_response("describe_source_servers", {"items": [server(1), server(2)]})
    assert sensor.poke(context) is True


def test_replication_poke_fails_fast_on_stall(stub, context):
    sensor = MgnReplicationReadySensor(task_id="r", source_server_ids=IDS, **AWS)
    stub(sensor.hook).add_response(
        "describe_source_servers", {"items": [server(1), server(2, replication="STALLED")]}
    )
    with pytest.raises(AirflowException, match="STALLED"):
        sensor.poke(context)


def test_poke_mode_timing_follows_the_waiter_parameters():
    sensor = MgnReplicationReadySensor(
        task_id="r", source_server_ids=IDS, waiter_delay=15, waiter_max_attempts=8, **AWS
    )
    assert (sensor.poke_interval, sensor.timeout) == (15, 120)


def test_replication_deferrable_defers_with_serializable_trigger(context):
    sensor = MgnReplicationReadySensor(
        task_id="r",
        source_server_ids=IDS,
        max_lag_seconds=30,
        deferrable=True,
        waiter_delay=5,
        waiter_max_attempts=9,
        **AWS,
    )
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute(context)
    trigger = deferred.value.trigger
    path, kwargs = trigger.serialize()
    assert path == "triggers.mgn.MgnReplicationReadyTrigger"
    clone = MgnReplicationReadyTrigger(**kwargs)
    assert clone.serialize() == (path, kwargs)
    assert (clone.source_server_ids, clone.max_lag_seconds, clone.attempts) == (IDS, 30.0, 9)


def test_replication_execute_complete(context):
    sensor = MgnReplicationReadySensor(task_id="r", source_server_ids=IDS, **AWS)
    assert sensor.execute_complete(context, {"status": "success", "source_server_ids": IDS}) == IDS
    with pytest.raises(AirflowException, match="STALLED"):
        sensor.execute_complete(context, {"status": "error", "message": "blocked: s-1 state=STALLED"})


def test_job_poke_returns_instances_when_every_server_launched(stub, context):
    sensor = MgnJobCompleteSensor(task_id="j", job_id=jid("j"), **AWS)
    stubber = stub(sensor.hook)
    stubber.add_response(
        "describe_jobs",
        {"items": [job(jid("j"), {sid(1): "IN_PROGRESS"}, status="STARTED")]},
        {"filters": {"jobIDs": [jid("j")]}},
    )
    assert sensor.poke(context).is_done is False
    stubber.add_response(
        "describe_jobs", {"items": [job(jid("j"), {sid(1): "LAUNCHED", sid(2): "LAUNCHED"})]}
    )
    result = sensor.poke(context)
    assert result.is_done and result.xcom_value == {sid(1): f"i-{1:017x}", sid(2): f"i-{2:017x}"}


def test_job_poke_fails_with_server_log_and_next_step(stub, context):
    sensor = MgnJobCompleteSensor(task_id="j", job_id=jid("j"), **AWS)
    stubber = stub(sensor.hook)
    stubber.add_response("describe_jobs", {"items": [job(jid("j"), {sid(1): "FAILED"}, status="STARTED")]})
    stubber.add_response(
        "describe_job_log_items",
        {
            "items": [
                {
                    "event": "CONVERSION_FAIL",
                    "eventData": {"sourceServerID": sid(1), "rawError": "bad kernel"},
                }
            ]
        },
    )
    with pytest.raises(
        AirflowException, match=r"(?s)failed for s-0+1.*CONVERSION_FAIL.*bad kernel.*Next step"
    ):
        sensor.poke(context)


def test_job_deferrable_and_execute_complete_judges_the_job(stub, context):
    sensor = MgnJobCompleteSensor(task_id="j", job_id=jid("j"), deferrable=True, **AWS)
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute(context)
    assert isinstance(deferred.value.trigger, MgnJobCompleteTrigger)
    stub(sensor.hook).add_response("describe_jobs", {"items": [job(jid("j"), {sid(1): "LAUNCHED"})]})
    assert sensor.execute_complete(context, {"status": "success", "job_id": jid("j")}) == {
        sid(1): f"i-{1:017x}"
    }


def test_a_failed_launch_is_final_no_airflow_retry(stub, context):
    from airflow.providers.common.compat.sdk import AirflowFailException

    sensor = MgnJobCompleteSensor(task_id="j", job_id=jid("j"), **AWS)
    stubber = stub(sensor.hook)
    stubber.add_response("describe_jobs", {"items": [job(jid("j"), {sid(1): "FAILED"})]})
    stubber.add_response("describe_job_log_items", {"items": []})
    with pytest.raises(AirflowFailException):
        sensor.poke(context)
