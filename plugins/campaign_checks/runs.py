"""Which DAG run of a wave or database the campaign looks at, and what it does next.

The campaign starts each wave (or database) DAG under deterministic run ids, ``campaign__try1``,
``campaign__try2``, ...: a new campaign run (or a retried task) computes the same ids, so it finds the runs
an earlier campaign run started in the wave DAG's own history, with no state of its own to lose. The
latest attempt decides:

- success: done, never run again;
- queued or running (the campaign was stopped while the wave ran on): wait for that run;
- failed (the wave rolled back): the next attempt, as a new run. A failed run is never cleared and re-run
  under its id: its MGN launch jobs carry that run id, and the launch operators would reuse them;
- none yet: attempt 1;
- and, when no attempt succeeded and none is in flight: done if the DAG has a successful run from
  outside the campaign (triggered by hand): a finished wave is never run twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

RUN_ID_PREFIX = "campaign__try"
MAX_ATTEMPTS = 100
IN_FLIGHT_STATES = frozenset({"queued", "running"})

Action = Literal["done", "wait", "start"]


def attempt_run_id(attempt: int) -> str:
    return f"{RUN_ID_PREFIX}{attempt}"


@dataclass(frozen=True)
class Attempt:
    """The latest campaign attempt of one DAG: number (0: none yet), run id and state."""

    number: int = 0
    run_id: str | None = None
    state: str | None = None


def latest_attempt(state_of: Callable[[str], str | None], max_attempts: int = MAX_ATTEMPTS) -> Attempt:
    """Walks campaign__try1, try2, ... while runs exist (``state_of`` gives None for a missing run)."""
    latest = Attempt()
    for number in range(1, max_attempts + 1):
        run_id = attempt_run_id(number)
        state = state_of(run_id)
        if state is None:
            return latest
        latest = Attempt(number, run_id, state)
    raise ValueError(f"more than {max_attempts} campaign attempts: start a wave's DAG by hand to go on")


@dataclass(frozen=True)
class Step:
    action: Action
    run_id: str | None  # done: the run that succeeded (None: outside the campaign); wait/start: the run
    reason: str


def next_step(latest: Attempt, successful_runs: int) -> Step:
    """What the campaign does with one DAG, from its latest attempt and its count of successful runs."""
    if latest.state == "success":
        return Step("done", latest.run_id, f"{latest.run_id} succeeded: not run again")
    if latest.state in IN_FLIGHT_STATES:
        return Step("wait", latest.run_id, f"{latest.run_id} is {latest.state}: waiting for it")
    if successful_runs:  # none of the campaign's attempts succeeded, so a run outside it did
        return Step("done", None, "a run outside the campaign succeeded: not run again")
    following = attempt_run_id(latest.number + 1)
    if latest.state is None:
        return Step("start", following, f"first attempt: {following}")
    return Step("start", following, f"{latest.run_id} ended {latest.state}: starting {following}")
