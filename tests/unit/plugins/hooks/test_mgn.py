from __future__ import annotations

import pytest
from airflow.providers.common.compat.sdk import AirflowException
from botocore.exceptions import ClientError, NoCredentialsError
from hooks.aws_common import explain_aws_errors
from hooks.mgn import WAITERS_FILE, MgnHook

from tests.unit.plugins.conftest import jid, job, server, sid


@pytest.fixture
def hook() -> MgnHook:
    return MgnHook(aws_conn_id=None, region_name="us-east-1")


def test_custom_waiters_come_from_the_project_file(hook):
    assert hook.waiter_path == WAITERS_FILE
    assert {"job_completed", "replication_continuous"} <= set(hook.list_waiters())


def test_standard_retries_by_default_and_config_wins():
    assert MgnHook(aws_conn_id=None)._get_config().retries == {"mode": "standard", "max_attempts": 10}
    custom = MgnHook(aws_conn_id=None, config={"retries": {"mode": "adaptive", "max_attempts": 3}})
    assert custom._get_config().retries == {"mode": "adaptive", "max_attempts": 3}


def test_describe_source_servers_one_filtered_call_for_the_wave(hook, stub):
    stubber = stub(hook)
    ids = [sid(1), sid(2)]
    stubber.add_response(
        "describe_source_servers",
        {"items": [server(1), server(2)]},
        {"filters": {"sourceServerIDs": ids}, "maxResults": 1000},
    )
    assert [s["sourceServerID"] for s in hook.describe_source_servers(ids)] == ids


def test_describe_jobs_paginates(hook, stub):
    stubber = stub(hook)
    stubber.add_response("describe_jobs", {"items": [job(jid("a"), {})], "nextToken": "t"}, {"filters": {}})
    stubber.add_response("describe_jobs", {"items": [job(jid("b"), {})]}, {"filters": {}, "nextToken": "t"})
    assert [j["jobID"] for j in hook.describe_jobs()] == [jid("a"), jid("b")]


def test_start_test_sends_tags_and_returns_the_job(hook, stub):
    stubber = stub(hook)
    stubber.add_response(
        "start_test",
        {"job": job(jid("t"), {sid(1): "PENDING"}, status="PENDING")},
        {"sourceServerIDs": [sid(1)], "tags": {"airflow-run-id": "r"}},
    )
    assert hook.start_test([sid(1)], tags={"airflow-run-id": "r"})["jobID"] == jid("t")


def test_change_life_cycle_state_shape(hook, stub):
    stubber = stub(hook)
    stubber.add_response(
        "change_server_life_cycle_state",
        server(1, state="READY_FOR_CUTOVER"),
        {"sourceServerID": sid(1), "lifeCycle": {"state": "READY_FOR_CUTOVER"}},
    )
    assert hook.change_server_life_cycle_state(sid(1), "READY_FOR_CUTOVER")["lifeCycle"]["state"] == (
        "READY_FOR_CUTOVER"
    )


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("AccessDeniedException", "not allowed"),
        ("UnrecognizedClientException", "rejected the credentials"),
        ("UninitializedAccountException", "not initialized"),
    ],
)
def test_auth_errors_name_the_connection(hook, stub, code, words):
    stubber = stub(hook)
    stubber.add_client_error("describe_jobs", service_error_code=code, http_status_code=403)
    with pytest.raises(AirflowException, match=words) as excinfo:
        hook.describe_jobs()
    assert "aws_conn_id" not in str(excinfo.value)  # the id itself, not the parameter name
    assert isinstance(excinfo.value.__cause__, ClientError)


def test_missing_credentials_are_explained():
    with (
        pytest.raises(AirflowException, match=r"'my_aws'.*login/password"),
        explain_aws_errors("my_aws", "mgn"),
    ):
        raise NoCredentialsError()


def test_other_errors_pass_through(hook, stub):
    stubber = stub(hook)
    stubber.add_client_error("describe_jobs", service_error_code="ValidationException", http_status_code=400)
    with pytest.raises(ClientError):
        hook.describe_jobs()


def test_job_starting_calls_use_a_client_that_never_resends(hook):
    assert hook.single_attempt_conn.meta.config.retries["total_max_attempts"] == 1
    assert hook.single_attempt_conn is not hook.conn
