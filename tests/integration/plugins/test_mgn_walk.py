"""The wave walk with the project's operators and sensors against the sandbox: real boto3, real launches."""

from __future__ import annotations

from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowException
from botocore.exceptions import ClientError
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
from sensors.mgn import MgnJobCompleteSensor, MgnReplicationReadySensor

FAST = {"waiter_delay": 1, "waiter_max_attempts": 60}


def jobs_by(mgn: Any, initiated_by: str) -> list[dict[str, Any]]:
    return [j for j in mgn.describe_jobs(filters={})["items"] if j["initiatedBy"] == initiated_by]


def test_wave_walk_is_idempotent_at_every_step(aws_conn, mgn, wave, context):
    common = {"aws_conn_id": aws_conn, "source_server_ids": wave}

    sync = MgnSyncWaveOperator(task_id="sync", wave_name="wave-1", **common)
    ids = sync.execute(context)
    assert sync.execute(context) == ids  # by name: nothing new
    assert [w["waveID"] for w in mgn.list_waves()["items"]] == [ids["wave_id"]]
    in_app = mgn.describe_source_servers(filters={"applicationIDs": [ids["application_id"]]})["items"]
    assert sorted(s["sourceServerID"] for s in in_app) == wave

    ready = MgnReplicationReadySensor(
        task_id="ready", source_server_ids=wave, max_lag_seconds=60, **FAST, aws_conn_id=aws_conn
    )
    ready.execute(context)

    launch = MgnUpdateLaunchConfigurationOperator(
        task_id="lc",
        right_sizing="BASIC",
        copy_private_ip=False,
        os_byol=True,
        launch_disposition="STARTED",
        **common,
    )
    launch.execute(context)
    assert launch.execute(context) == []
    config = mgn.get_launch_configuration(sourceServerID=wave[0])
    assert (config["targetInstanceTypeRightSizingMethod"], config["licensing"]) == ("BASIC", {"osByol": True})

    test = MgnStartTestOperator(task_id="test", **common)
    test_job = test.execute(context)
    context["ti"].try_number = 2
    assert test.execute(context) == test_job
    assert [j["jobID"] for j in jobs_by(mgn, "START_TEST")] == [test_job]
    instances = MgnJobCompleteSensor(task_id="w", job_id=test_job, aws_conn_id=aws_conn, **FAST).execute(
        context
    )
    assert sorted(instances) == wave and all(i.startswith("i-") for i in instances.values())

    to_cutover = MgnChangeServerLifeCycleStateOperator(task_id="rfc", state="READY_FOR_CUTOVER", **common)
    assert to_cutover.execute(context) == wave
    assert to_cutover.execute(context) == []

    terminate = MgnTerminateTargetInstancesOperator(
        task_id="term", wait_for_completion=True, **FAST, **common
    )
    terminate_job = terminate.execute(context)
    assert terminate.execute(context) == terminate_job  # the retry finds the terminate job of this run
    assert len(jobs_by(mgn, "TERMINATE")) == 1

    cutover = MgnStartCutoverOperator(task_id="cutover", **common)
    context["ti"].try_number = 1
    cutover_job = cutover.execute(context)
    context["ti"].try_number = 2  # an Airflow retry of the same task in the same run
    assert cutover.execute(context) == cutover_job
    assert [j["jobID"] for j in jobs_by(mgn, "START_CUTOVER")] == [cutover_job]
    MgnJobCompleteSensor(task_id="wc", job_id=cutover_job, aws_conn_id=aws_conn, **FAST).execute(context)
    context["ti"].try_number = 3  # even after the launch finished
    assert cutover.execute(context) == cutover_job
    assert len(jobs_by(mgn, "START_CUTOVER")) == 1

    finalize = MgnFinalizeCutoverOperator(task_id="fin", **common)
    assert finalize.execute(context) == wave
    assert finalize.execute(context) == []
    archive = MgnMarkAsArchivedOperator(task_id="arch", **common)
    assert archive.execute(context) == wave
    assert archive.execute(context) == []
    states = mgn.describe_source_servers(filters={"sourceServerIDs": wave})["items"]
    assert {(s["lifeCycle"]["state"], s["isArchived"]) for s in states} == {("CUTOVER", True)}


def test_failed_launch_fails_the_sensor_with_log_and_next_step_and_retry_does_not_relaunch(
    aws_conn, sandbox, mgn, wave, context
):
    hostname = next(s["hostname"] for s in sandbox.servers()["servers"] if s["sourceServerID"] == wave[1])
    sandbox.faults(fail_launch=[hostname])
    test = MgnStartTestOperator(task_id="test", aws_conn_id=aws_conn, source_server_ids=wave)
    job_id = test.execute(context)
    sensor = MgnJobCompleteSensor(task_id="w", job_id=job_id, aws_conn_id=aws_conn, **FAST)
    with pytest.raises(AirflowException) as excinfo:
        sensor.execute(context)
    message = str(excinfo.value)
    assert f"failed for {wave[1]}" in message
    assert "LAUNCH_FAILED" in message and "sandbox fault" in message
    assert "Next step:" in message

    context["ti"].try_number = 2
    assert test.execute(context) == job_id  # the failed server went back to READY_FOR_TEST: still no relaunch
    assert len(jobs_by(mgn, "START_TEST")) == 1


def test_operators_survive_throttling_and_5xx(aws_conn, sandbox, mgn, wave, context):
    sandbox.faults(throttle_rate=0.3, error_rate=0.1, services=["mgn"], seed=7)
    common = {"aws_conn_id": aws_conn, "source_server_ids": wave}
    MgnSyncWaveOperator(task_id="sync", wave_name="wave-t", **common).execute(context)
    job_id = MgnStartTestOperator(task_id="test", wait_for_completion=True, **FAST, **common).execute(context)
    assert len(jobs_by(mgn, "START_TEST")) == 1
    assert mgn.describe_jobs(filters={"jobIDs": [job_id]})["items"][0]["status"] == "COMPLETED"
    injected = sandbox.faults()["injected"]
    assert injected["throttle"] + injected["error"] > 0


def test_cutover_rollback_terminates_the_cutover_instances_in_the_same_run(aws_conn, mgn, wave, context):
    common = {"aws_conn_id": aws_conn, "source_server_ids": wave}
    test_job = MgnStartTestOperator(task_id="test", **common).execute(context)
    MgnJobCompleteSensor(task_id="w", job_id=test_job, aws_conn_id=aws_conn, **FAST).execute(context)
    MgnChangeServerLifeCycleStateOperator(task_id="rfc", state="READY_FOR_CUTOVER", **common).execute(context)
    MgnTerminateTargetInstancesOperator(
        task_id="terminate_test", wait_for_completion=True, **FAST, **common
    ).execute(context)
    cutover_job = MgnStartCutoverOperator(task_id="cutover", **common).execute(context)
    MgnJobCompleteSensor(task_id="wc", job_id=cutover_job, aws_conn_id=aws_conn, **FAST).execute(context)

    # Rollback, as the guide orders it: back to READY_FOR_CUTOVER, then terminate (a different task).
    MgnChangeServerLifeCycleStateOperator(task_id="rb_state", state="READY_FOR_CUTOVER", **common).execute(
        context
    )
    rollback = MgnTerminateTargetInstancesOperator(
        task_id="rb_terminate", wait_for_completion=True, **FAST, **common
    )
    rollback_job = rollback.execute(context)
    assert rollback.execute(context) == rollback_job  # its retry reuses it
    assert len(jobs_by(mgn, "TERMINATE")) == 2
    servers = mgn.describe_source_servers(filters={"sourceServerIDs": wave})["items"]
    assert {s["lifeCycle"]["state"] for s in servers} == {"READY_FOR_CUTOVER"}
    assert not any(s.get("launchedInstance") for s in servers)
    assert rollback.execute(context) == rollback_job


def test_job_starts_are_never_resent_blindly(aws_conn, sandbox, mgn, wave, context, monkeypatch):
    monkeypatch.setattr(MgnStartTestOperator, "start_pause", 0.05)
    sandbox.faults(error_rate=1.0, services=["mgn"], operations=["StartTest"])
    test = MgnStartTestOperator(task_id="test", aws_conn_id=aws_conn, source_server_ids=wave)
    with pytest.raises(ClientError, match="InternalServerException"):
        test.execute(context)
    # One call per operator attempt (botocore did not resend), a describe before each new attempt.
    assert sandbox.faults()["injected"]["error"] == MgnStartTestOperator.start_attempts
    assert jobs_by(mgn, "START_TEST") == []

    sandbox.faults(reset=True, error_rate=0.5, services=["mgn"], operations=["StartTest"], seed=3)
    context["ti"].try_number = 2
    job_id = test.execute(context)
    assert [j["jobID"] for j in jobs_by(mgn, "START_TEST")] == [job_id]
