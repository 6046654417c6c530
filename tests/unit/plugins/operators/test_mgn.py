from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowException, TaskDeferred
from botocore.exceptions import ClientError
from botocore.stub import ANY
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
from triggers.mgn import MgnJobCompleteTrigger

from tests.unit.plugins.conftest import RUN_START, jid, job, server, sid

IDS = [sid(1), sid(2)]
COMMON: dict[str, Any] = {
    "task_id": "t",
    "source_server_ids": IDS,
    "aws_conn_id": None,
    "region_name": "us-east-1",
}
DESCRIBE = {"filters": {"sourceServerIDs": IDS}, "maxResults": 1000}


def launched(n: int, key: str, job_id: str, when: str, state: str) -> dict[str, Any]:
    return server(n, state=state, lifecycle={key: {"initiated": {"jobID": job_id, "apiCallDateTime": when}}})


def both_launched(key: str, job_id: str, when: str, state: str) -> dict[str, Any]:
    """DescribeSourceServers of both servers, each launched last by `job_id` at `when` and now in `state`."""
    return {"items": [launched(n, key, job_id, when, state) for n in (1, 2)]}


OUR_TAGS = {"airflow-dag-id": "wave_1", "airflow-run-id": "manual__1", "airflow-task-id": "t"}
OTHER_RUN = {"airflow-dag-id": "wave_1", "airflow-run-id": "manual__0", "airflow-task-id": "t"}


def test_start_cutover_then_retry_reuses_the_job(stub, context):
    op = MgnStartCutoverOperator(**COMMON)
    stubber = stub(op.hook)
    ready = {"items": [server(1, state="READY_FOR_CUTOVER"), server(2, state="READY_FOR_CUTOVER")]}
    stubber.add_response("describe_source_servers", ready, DESCRIBE)
    stubber.add_response(
        "start_cutover",
        {"job": job(jid("c"), {}, status="PENDING", initiatedBy="START_CUTOVER", tags=OUR_TAGS)},
        {"sourceServerIDs": IDS, "tags": OUR_TAGS},
    )
    assert op.execute(context) == jid("c")

    # The retry: the servers point at the job this run tagged; one launch failed and its server reverted.
    # No second StartCutover is queued: the Stubber would fail on one.
    when = "2026-11-26T12:00:30Z"
    after = {
        "items": [
            launched(1, "lastCutover", jid("c"), when, "CUTTING_OVER"),
            launched(2, "lastCutover", jid("c"), when, "READY_FOR_CUTOVER"),
        ]
    }
    stubber.add_response("describe_source_servers", after, DESCRIBE)
    stubber.add_response(
        "describe_jobs",
        {"items": [job(jid("c"), {sid(1): "LAUNCHED", sid(2): "FAILED"}, tags=OUR_TAGS)]},
        {"filters": {"jobIDs": [jid("c")]}},
    )
    context["ti"].try_number = 2
    assert op.execute(context) == jid("c")

    # A clear of the task moves the run's start_date past the job: the tags still say whose it is.
    context["dag_run"].start_date = RUN_START + timedelta(hours=3)
    stubber.add_response("describe_source_servers", after, DESCRIBE)
    stubber.add_response("describe_jobs", {"items": [job(jid("c"), {}, tags=OUR_TAGS)]})
    assert op.execute(context) == jid("c")


@pytest.mark.parametrize(
    ("operator", "key", "launched_by", "when", "state", "tags", "expected"),
    [
        pytest.param(
            MgnStartCutoverOperator, "lastCutover", jid("c"), "2026-11-26T12:00:30Z", "READY_FOR_CUTOVER", None,
            jid("c"), id="untagged job started during the run is reused",
        ),
        pytest.param(
            MgnStartTestOperator, "lastTest", jid("t"), "2026-11-20T08:00:00Z", "TESTING", OTHER_RUN, jid("t"),
            id="state already reached reuses even an older job",
        ),
        pytest.param(
            MgnStartTestOperator, "lastTest", jid("t"), "2026-11-20T08:00:00Z", "READY_FOR_TEST", OTHER_RUN,
            jid("n"), id="an old test does not block a new one",
        ),
    ],
)  # fmt: skip
def test_the_job_the_servers_point_at(stub, context, operator, key, launched_by, when, state, tags, expected):
    op = operator(**COMMON)
    stubber = stub(op.hook)
    stubber.add_response("describe_source_servers", both_launched(key, launched_by, when, state))
    stubber.add_response(
        "describe_jobs", {"items": [job(launched_by, {}, **({"tags": tags} if tags else {}))]}
    )
    if expected != launched_by:  # a new job: the Stubber fails unless exactly this StartTest is made
        stubber.add_response(
            "start_test", {"job": job(expected, {}, status="PENDING")}, {"sourceServerIDs": IDS, "tags": ANY}
        )
    assert op.execute(context) == expected


def test_servers_launched_by_different_jobs_this_run_refuse_a_relaunch(stub, context):
    op = MgnStartCutoverOperator(**COMMON)
    stubber = stub(op.hook)
    stubber.add_response(
        "describe_source_servers",
        {
            "items": [
                launched(1, "lastCutover", jid("a"), "2026-11-26T12:00:30Z", "CUTTING_OVER"),
                server(2, state="READY_FOR_CUTOVER"),
            ]
        },
    )
    stubber.add_response("describe_jobs", {"items": [job(jid("a"), {}, tags=OUR_TAGS)]})
    with pytest.raises(AirflowException, match="Refusing a second cutover launch"):
        op.execute(context)


def test_test_launch_refused_once_cutting_over(stub, context):
    op = MgnStartTestOperator(**COMMON)
    stub(op.hook).add_response(
        "describe_source_servers", {"items": [server(1, state="CUTTING_OVER"), server(2)]}
    )
    with pytest.raises(AirflowException, match="already"):
        op.execute(context)


def test_missing_servers_are_an_error(stub, context):
    op = MgnStartTestOperator(**COMMON)
    stub(op.hook).add_response("describe_source_servers", {"items": [server(1)]})
    with pytest.raises(AirflowException, match=f"not found: \\['{sid(2)}'\\]"):
        op.execute(context)


def test_wait_for_completion_deferrable_defers_with_the_job_trigger(stub, context):
    op = MgnStartTestOperator(
        **COMMON, wait_for_completion=True, deferrable=True, waiter_delay=5, waiter_max_attempts=7
    )
    stubber = stub(op.hook)
    stubber.add_response("describe_source_servers", {"items": [server(1), server(2)]})
    stubber.add_response("start_test", {"job": job(jid("t"), {}, status="PENDING")})
    with pytest.raises(TaskDeferred) as deferred:
        op.execute(context)
    trigger = deferred.value.trigger
    assert isinstance(trigger, MgnJobCompleteTrigger)
    assert trigger.serialize()[1] == {
        "job_id": jid("t"),
        "waiter_delay": 5,
        "waiter_max_attempts": 7,
        "aws_conn_id": None,
        "region_name": "us-east-1",
    }


def test_wait_for_completion_blocking_raises_with_the_job_log(stub, context):
    op = MgnStartTestOperator(**COMMON, wait_for_completion=True, waiter_delay=0, waiter_max_attempts=3)
    stubber = stub(op.hook)
    stubber.add_response("describe_source_servers", {"items": [server(1), server(2)]})
    stubber.add_response("start_test", {"job": job(jid("t"), {}, status="PENDING")})
    failed = job(jid("t"), {sid(1): "LAUNCHED", sid(2): "FAILED"})
    stubber.add_response("describe_jobs", {"items": [failed]})  # the waiter
    stubber.add_response("describe_jobs", {"items": [failed]})  # the judgement
    stubber.add_response(
        "describe_job_log_items",
        {
            "items": [
                {"event": "LAUNCH_FAILED", "eventData": {"sourceServerID": sid(2), "rawError": "no capacity"}}
            ]
        },
        {"jobID": jid("t"), "maxResults": 1000},
    )
    with pytest.raises(AirflowException, match=r"(?s)failed for s-0+2.*no capacity.*Next step"):
        op.execute(context)


def test_terminate_refuses_while_testing(stub, context):
    op = MgnTerminateTargetInstancesOperator(**COMMON)
    stub(op.hook).add_response("describe_source_servers", {"items": [server(1, state="TESTING"), server(2)]})
    with pytest.raises(AirflowException, match="READY_FOR_CUTOVER"):
        op.execute(context)


def test_terminate_only_servers_with_instances_and_reuse_on_retry(stub, context):
    op = MgnTerminateTargetInstancesOperator(**COMMON)
    stubber = stub(op.hook)
    with_instance = server(
        1, state="READY_FOR_CUTOVER", launchedInstance={"ec2InstanceID": "i-0123456789abcdef0"}
    )
    stubber.add_response(
        "describe_source_servers", {"items": [with_instance, server(2, state="READY_FOR_CUTOVER")]}
    )
    stubber.add_response("describe_jobs", {"items": []}, {"filters": {"fromDate": "2026-11-26T11:55:00Z"}})
    stubber.add_response(
        "terminate_target_instances",
        {"job": job(jid("x"), {}, status="PENDING", type="TERMINATE")},
        {"sourceServerIDs": [sid(1)], "tags": ANY},
    )
    assert op.execute(context) == jid("x")

    stubber.add_response(
        "describe_source_servers",
        {"items": [server(1, state="READY_FOR_CUTOVER"), server(2, state="READY_FOR_CUTOVER")]},
    )
    earlier = job(
        jid("y"), {sid(1): "TERMINATED"}, type="TERMINATE", tags={**OUR_TAGS, "airflow-task-id": "other"}
    )
    mine = job(jid("x"), {sid(1): "TERMINATED"}, type="TERMINATE", tags=OUR_TAGS)
    stubber.add_response("describe_jobs", {"items": [earlier, mine]})
    assert op.execute(context) == jid("x")


def test_terminate_nothing_left(stub, context):
    op = MgnTerminateTargetInstancesOperator(**COMMON)
    stubber = stub(op.hook)
    stubber.add_response("describe_source_servers", {"items": [server(1), server(2)]})
    stubber.add_response("describe_jobs", {"items": []})
    assert op.execute(context) is None


def test_change_life_cycle_skips_servers_already_there(stub, context):
    op = MgnChangeServerLifeCycleStateOperator(**COMMON, state="READY_FOR_CUTOVER")
    stubber = stub(op.hook)
    stubber.add_response(
        "describe_source_servers",
        {"items": [server(1, state="READY_FOR_CUTOVER"), server(2, state="TESTING")]},
    )
    stubber.add_response(
        "change_server_life_cycle_state",
        server(2, state="READY_FOR_CUTOVER"),
        {"sourceServerID": sid(2), "lifeCycle": {"state": "READY_FOR_CUTOVER"}},
    )
    assert op.execute(context) == [sid(2)]


def test_change_life_cycle_needs_a_launchable_server(stub, context):
    op = MgnChangeServerLifeCycleStateOperator(**COMMON, state="READY_FOR_TEST")
    stub(op.hook).add_response(
        "describe_source_servers", {"items": [server(1, state="NOT_READY", lag=None), server(2)]}
    )
    with pytest.raises(AirflowException, match="not launchable"):
        op.execute(context)


def test_change_life_cycle_rejects_unknown_states_without_io():
    with pytest.raises(ValueError, match="READY_FOR_CUTOVER"):
        MgnChangeServerLifeCycleStateOperator(**COMMON, state="TESTING")


def test_finalize_is_all_or_nothing(stub, context):
    op = MgnFinalizeCutoverOperator(**COMMON)
    stub(op.hook).add_response(
        "describe_source_servers", {"items": [server(1, state="CUTTING_OVER"), server(2, state="TESTING")]}
    )
    with pytest.raises(AirflowException, match="Not finalizing any server"):
        op.execute(context)


def test_finalize_skips_finalized(stub, context):
    op = MgnFinalizeCutoverOperator(**COMMON)
    stubber = stub(op.hook)
    stubber.add_response(
        "describe_source_servers", {"items": [server(1, state="CUTOVER"), server(2, state="CUTTING_OVER")]}
    )
    stubber.add_response("finalize_cutover", server(2, state="CUTOVER"), {"sourceServerID": sid(2)})
    assert op.execute(context) == [sid(2)]


def test_archive_finds_archived_servers_and_skips_them(stub, context):
    op = MgnMarkAsArchivedOperator(**COMMON)
    stubber = stub(op.hook)
    stubber.add_response("describe_source_servers", {"items": [server(2, state="CUTOVER")]})
    stubber.add_response(
        "describe_source_servers",
        {"items": [server(1, state="CUTOVER", isArchived=True)]},
        {"filters": {"sourceServerIDs": [sid(1)], "isArchived": True}, "maxResults": 1000},
    )
    stubber.add_response(
        "mark_as_archived", server(2, state="CUTOVER", isArchived=True), {"sourceServerID": sid(2)}
    )
    assert op.execute(context) == [sid(2)]


def test_update_launch_configuration_sends_only_differences(stub, context):
    op = MgnUpdateLaunchConfigurationOperator(
        **COMMON, right_sizing="BASIC", copy_private_ip=True, os_byol=False
    )
    stubber = stub(op.hook)
    stubber.add_response("describe_source_servers", {"items": [server(1), server(2)]})
    same = {
        "sourceServerID": sid(1),
        "targetInstanceTypeRightSizingMethod": "BASIC",
        "copyPrivateIp": True,
        "licensing": {"osByol": False},
    }
    stubber.add_response("get_launch_configuration", same, {"sourceServerID": sid(1)})
    stubber.add_response(
        "get_launch_configuration", {**same, "sourceServerID": sid(2), "copyPrivateIp": False}
    )
    stubber.add_response(
        "update_launch_configuration",
        same | {"sourceServerID": sid(2)},
        {"sourceServerID": sid(2), "copyPrivateIp": True},
    )
    assert op.execute(context) == [sid(2)]


def test_update_launch_configuration_checks_enums_without_io():
    with pytest.raises(ValueError, match="BASIC"):
        MgnUpdateLaunchConfigurationOperator(**COMMON, right_sizing="AGGRESSIVE")


def _wave(wave_id: str) -> dict[str, Any]:
    return {"waveID": wave_id, "arn": "arn:aws:mgn:us-east-1:123456789012:wave/" + wave_id, "name": "wave-1"}


def _app(app_id: str, wave_id: str | None = None) -> dict[str, Any]:
    return {
        "applicationID": app_id,
        "arn": "arn:aws:mgn:us-east-1:123456789012:application/" + app_id,
        "name": "wave-1",
        **({"waveID": wave_id} if wave_id else {}),
    }


def test_sync_wave_creates_and_associates(stub, context):
    op = MgnSyncWaveOperator(**COMMON, wave_name="wave-1")
    stubber = stub(op.hook)
    wave_id, app_id = "wave-" + "a" * 17, "app-" + "b" * 17
    stubber.add_response(
        "describe_source_servers", {"items": [server(1), server(2, applicationID="app-" + "c" * 17)]}
    )
    stubber.add_response("list_waves", {"items": []}, {"filters": {"isArchived": False}})
    stubber.add_response("create_wave", _wave(wave_id), {"name": "wave-1"})
    stubber.add_response("list_applications", {"items": []})
    stubber.add_response("create_application", _app(app_id), {"name": "wave-1"})
    stubber.add_response("associate_applications", {}, {"waveID": wave_id, "applicationIDs": [app_id]})
    stubber.add_response(
        "disassociate_source_servers", {}, {"applicationID": "app-" + "c" * 17, "sourceServerIDs": [sid(2)]}
    )
    stubber.add_response(
        "associate_source_servers", {}, {"applicationID": app_id, "sourceServerIDs": [sid(1), sid(2)]}
    )
    assert op.execute(context) == {"wave_id": wave_id, "application_id": app_id}


def test_sync_wave_changes_nothing_when_mgn_matches(stub, context):
    op = MgnSyncWaveOperator(**COMMON, wave_name="wave-1")
    stubber = stub(op.hook)
    wave_id, app_id = "wave-" + "a" * 17, "app-" + "b" * 17
    stubber.add_response(
        "describe_source_servers",
        {"items": [server(1, applicationID=app_id), server(2, applicationID=app_id)]},
    )
    stubber.add_response("list_waves", {"items": [_wave(wave_id)]})
    stubber.add_response("list_applications", {"items": [_app(app_id, wave_id)]})
    assert op.execute(context) == {"wave_id": wave_id, "application_id": app_id}


def test_template_fields_include_the_wave():
    assert {"source_server_ids", "aws_conn_id", "region_name"} <= set(MgnStartCutoverOperator.template_fields)


@pytest.fixture
def no_pause(monkeypatch):
    monkeypatch.setattr(MgnStartCutoverOperator, "start_pause", 0)
    monkeypatch.setattr(MgnStartTestOperator, "start_pause", 0)


def test_a_5xx_after_mgn_acted_is_not_a_reason_to_launch_again(stub, context, no_pause):
    op = MgnStartCutoverOperator(**COMMON)
    stubber = stub(op.hook)
    ready = {"items": [server(1, state="READY_FOR_CUTOVER"), server(2, state="READY_FOR_CUTOVER")]}
    stubber.add_response("describe_source_servers", ready)
    stubber.add_client_error(
        "start_cutover", service_error_code="InternalServerException", http_status_code=500
    )
    when = "2026-11-26T12:00:30Z"
    stubber.add_response(
        "describe_source_servers",
        both_launched("lastCutover", jid("c"), when, "CUTTING_OVER"),
    )
    stubber.add_response("describe_jobs", {"items": [job(jid("c"), {}, tags=OUR_TAGS)]})
    assert op.execute(context) == jid("c")


def test_throttled_start_is_tried_again_when_nothing_started(stub, context, no_pause):
    op = MgnStartTestOperator(**COMMON)
    stubber = stub(op.hook)
    stubber.add_response("describe_source_servers", {"items": [server(1), server(2)]})
    stubber.add_client_error("start_test", service_error_code="ThrottlingException", http_status_code=429)
    stubber.add_response("describe_source_servers", {"items": [server(1), server(2)]})
    stubber.add_response("start_test", {"job": job(jid("t"), {}, status="PENDING")})
    assert op.execute(context) == jid("t")


def test_a_rejected_start_is_not_retried(stub, context, no_pause):
    op = MgnStartTestOperator(**COMMON)
    stubber = stub(op.hook)
    stubber.add_response("describe_source_servers", {"items": [server(1), server(2)]})
    stubber.add_client_error("start_test", service_error_code="ConflictException", http_status_code=409)
    with pytest.raises(ClientError, match="ConflictException"):
        op.execute(context)


def test_a_wave_larger_than_mgn_allows_is_refused_before_any_call(context):
    op = MgnStartTestOperator(**{**COMMON, "source_server_ids": [sid(n) for n in range(201)]})
    with pytest.raises(AirflowException, match="split the wave"):
        op.execute(context)
