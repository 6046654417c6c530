"""Airflow 3.3's approval-gate races, replayed deterministically against the installed (patched) Airflow.

replay_script.py drives the real scheduler (`process_executor_events`, the critical section that queues)
and the real HITL answer route on a SQLite metadata DB, with the demo plan's wave DAG. Without
patches/airflow-3.3.2-stale-executor-success.patch (`patches/apply.sh --revert`) the queued and running
scenarios end `failed` with a "state mismatch", and Bob's late answer overwrites Alice's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("gate_race_replay")]

SCRIPT = Path(__file__).with_name("replay_script.py")
MISMATCH = "finished with state success, but the task instance's state attribute is"


@pytest.fixture(scope="module")
def replay(tmp_path_factory) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "_AIRFLOW"))}
    result = subprocess.run(
        [sys.executable, str(SCRIPT)],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        cwd=tmp_path_factory.mktemp("replay"),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("resumed_to", ["scheduled", "queued", "running"])
def test_late_park_exit_event_does_not_fail_an_answered_gate(replay, resumed_to):
    outcome = replay[resumed_to]
    assert outcome["answer_status"] == 200
    assert outcome["state"] == resumed_to, outcome  # the resumed gate goes on; nothing failed it
    assert outcome["mismatch"] == []
    assert (outcome["responded_by"], outcome["chosen"]) == ("alice", ["Approve"])


@pytest.mark.slow
def test_a_task_that_really_died_is_still_failed(replay):
    outcome = replay["killed_externally"]  # queued, never parked: the guard does not widen to it
    assert outcome["state"] == "failed"
    assert len(outcome["mismatch"]) == 1 and MISMATCH in outcome["mismatch"][0]


@pytest.mark.slow
def test_the_first_answer_decides_and_a_racing_one_gets_409(replay):
    outcome = replay["two_answers"]
    assert (outcome["alice"], outcome["bob"]) == (200, 409)
    assert (outcome["responded_by"], outcome["chosen"]) == ("alice", ["Approve"])
    assert outcome["state"] == "scheduled"


def test_the_patch_is_applied_to_this_airflow():
    check = subprocess.run(
        [str(Path(__file__).resolve().parents[3] / "patches" / "apply.sh"), "--check"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHON": sys.executable},
    )
    assert check.returncode == 0, check.stdout + check.stderr + " (run `make venv`)"
