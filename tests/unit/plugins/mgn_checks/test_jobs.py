from __future__ import annotations

from mgn_checks.jobs import evaluate_job, failure_message

from tests.unit.plugins.conftest import jid, job, sid


def test_completed_with_every_server_launched_succeeds():
    outcome = evaluate_job(job(jid("j"), {sid(1): "LAUNCHED", sid(2): "LAUNCHED"}))
    assert outcome.succeeded and outcome.finished
    assert set(outcome.instances) == {sid(1), sid(2)}


def test_a_completed_job_can_hold_a_failed_launch():
    outcome = evaluate_job(job(jid("j"), {sid(1): "LAUNCHED", sid(2): "FAILED"}))
    assert not outcome.succeeded and outcome.failed == [sid(2)]


def test_terminate_jobs_expect_terminated():
    outcome = evaluate_job(job(jid("j"), {sid(1): "TERMINATED"}, type="TERMINATE", initiatedBy="TERMINATE"))
    assert outcome.succeeded


def test_running_job_is_not_finished():
    outcome = evaluate_job(job(jid("j"), {sid(1): "IN_PROGRESS"}, status="STARTED"))
    assert not outcome.finished and outcome.pending == [sid(1)]


def test_failure_message_quotes_the_failed_servers_log_and_next_step():
    outcome = evaluate_job(job(jid("j"), {sid(1): "LAUNCHED", sid(2): "FAILED"}, initiatedBy="START_CUTOVER"))
    log = [
        {"logDateTime": "2026-11-26T12:00:00Z", "event": "JOB_START"},
        {
            "logDateTime": "2026-11-26T12:00:01Z",
            "event": "LAUNCH_START",
            "eventData": {"sourceServerID": sid(1)},
        },
        {
            "logDateTime": "2026-11-26T12:00:02Z",
            "event": "LAUNCH_FAILED",
            "eventData": {"sourceServerID": sid(2), "rawError": "InsufficientInstanceCapacity"},
        },
    ]
    text = failure_message(outcome, log)
    assert f"failed for {sid(2)}" in text
    assert "LAUNCH_FAILED" in text and "InsufficientInstanceCapacity" in text
    assert sid(1) not in text.split("\n", 1)[1]  # only the failed server's log lines
    assert "Next step: keep traffic on the source" in text
