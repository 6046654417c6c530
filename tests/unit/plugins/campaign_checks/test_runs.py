"""Which run of a wave DAG the campaign looks at, and what it does next: every case of runs.py's table."""

from __future__ import annotations

import pytest
from campaign_checks.runs import Attempt, attempt_run_id, latest_attempt, next_step


def _states(**runs: str):
    return lambda run_id: runs.get(run_id)


def test_attempt_ids_are_deterministic():
    assert [attempt_run_id(n) for n in (1, 2, 10)] == ["campaign__try1", "campaign__try2", "campaign__try10"]


def test_the_latest_attempt_is_the_last_existing_one():
    assert latest_attempt(_states()) == Attempt()
    assert latest_attempt(_states(campaign__try1="failed", campaign__try2="running")) == Attempt(
        2, "campaign__try2", "running"
    )


def test_too_many_attempts_is_an_error_not_a_loop():
    with pytest.raises(ValueError, match="more than 3 campaign attempts"):
        latest_attempt(lambda run_id: "failed", max_attempts=3)


@pytest.mark.parametrize(
    ("latest", "successes", "action", "run_id"),
    [
        (Attempt(), 0, "start", "campaign__try1"),
        (Attempt(1, "campaign__try1", "success"), 1, "done", "campaign__try1"),
        (Attempt(1, "campaign__try1", "running"), 0, "wait", "campaign__try1"),
        (Attempt(1, "campaign__try1", "queued"), 0, "wait", "campaign__try1"),
        (Attempt(1, "campaign__try1", "failed"), 0, "start", "campaign__try2"),
        (Attempt(3, "campaign__try3", "failed"), 0, "start", "campaign__try4"),
        (Attempt(), 1, "done", None),  # the wave was run by hand and succeeded
        (Attempt(1, "campaign__try1", "failed"), 1, "done", None),  # failed, then finished by hand
        (Attempt(1, "campaign__try1", "running"), 1, "wait", "campaign__try1"),
    ],
)
def test_next_step(latest, successes, action, run_id):
    step = next_step(latest, successes)
    assert (step.action, step.run_id) == (action, run_id)
    assert step.reason
