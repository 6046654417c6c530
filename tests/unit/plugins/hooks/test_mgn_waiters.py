"""The waiter JSON, exercised through the hook's get_waiter against stubbed DescribeX responses."""

from __future__ import annotations

import pytest
from botocore.exceptions import WaiterError
from hooks.mgn import MgnHook

from tests.unit.plugins.conftest import jid, job, server, sid

FAST = {"Delay": 0, "MaxAttempts": 3}


@pytest.fixture
def hook() -> MgnHook:
    return MgnHook(aws_conn_id=None, region_name="us-east-1")


def test_job_completed_waits_through_started_then_succeeds(hook, stub):
    stubber = stub(hook)
    args = {"filters": {"jobIDs": [jid("j")]}}
    stubber.add_response(
        "describe_jobs", {"items": [job(jid("j"), {sid(1): "IN_PROGRESS"}, status="STARTED")]}, args
    )
    stubber.add_client_error("describe_jobs", service_error_code="ThrottlingException", http_status_code=429)
    stubber.add_response("describe_jobs", {"items": [job(jid("j"), {sid(1): "LAUNCHED"})]}, args)
    hook.get_waiter("job_completed").wait(**args, WaiterConfig=FAST)
    stubber.assert_no_pending_responses()  # it polled through STARTED and the throttle until LAUNCHED


def test_job_completed_fails_fast_on_a_failed_launch(hook, stub):
    stubber = stub(hook)
    failed = job(jid("j"), {sid(1): "LAUNCHED", sid(2): "FAILED"}, status="STARTED")
    stubber.add_response("describe_jobs", {"items": [failed]})
    with pytest.raises(WaiterError, match="terminal failure"):
        hook.get_waiter("job_completed").wait(filters={"jobIDs": [jid("j")]}, WaiterConfig=FAST)


def test_job_completed_fails_when_the_job_does_not_exist(hook, stub):
    stub(hook).add_response("describe_jobs", {"items": []})
    with pytest.raises(WaiterError, match="terminal failure"):
        hook.get_waiter("job_completed").wait(filters={"jobIDs": [jid("j")]}, WaiterConfig=FAST)


def test_replication_continuous_needs_every_server(hook, stub):
    stubber = stub(hook)
    stubber.add_response("describe_source_servers", {"items": [server(1), server(2, replication="BACKLOG")]})
    stubber.add_response("describe_source_servers", {"items": [server(1), server(2)]})
    hook.get_waiter("replication_continuous").wait(
        filters={"sourceServerIDs": [sid(1), sid(2)]}, WaiterConfig=FAST
    )
    stubber.assert_no_pending_responses()  # BACKLOG kept it waiting for a second poll


@pytest.mark.parametrize("state", ["STALLED", "STOPPED", "DISCONNECTED"])
def test_replication_continuous_fails_on_states_needing_action(hook, stub, state):
    stub(hook).add_response("describe_source_servers", {"items": [server(1), server(2, replication=state)]})
    with pytest.raises(WaiterError, match="terminal failure"):
        hook.get_waiter("replication_continuous").wait(filters={}, WaiterConfig=FAST)


def test_replication_continuous_never_succeeds_on_an_empty_wave(hook, stub):
    stubber = stub(hook)
    for _ in range(2):
        stubber.add_response("describe_source_servers", {"items": []})
    with pytest.raises(WaiterError, match="Max attempts"):
        hook.get_waiter("replication_continuous").wait(
            filters={}, WaiterConfig={"Delay": 0, "MaxAttempts": 2}
        )
