"""Follow a DAG run through the REST API: report task state changes and hand waiting gates to a callback."""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from devstack.api import AirflowUser

FINISHED = {"success", "failed"}


@dataclass
class RunOutcome:
    state: str
    task_states: dict[str, str]
    gates: list[dict] = field(default_factory=list)  # the gates met, with who answered what
    seconds: float = 0.0


def _task_key(ti: dict) -> str:
    return ti["task_id"] if ti.get("map_index", -1) in (-1, None) else f"{ti['task_id']}[{ti['map_index']}]"


def follow_run(
    user: AirflowUser,
    dag_id: str,
    run_id: str,
    *,
    on_gate: Callable[[dict], None] | None = None,
    on_change: Callable[[str, str], None] | None = None,
    timeout: float = 900,
    poll: float = 1.0,
) -> RunOutcome:
    """Poll until the run finishes. `on_gate(detail)` is called once per gate that starts waiting."""
    started = time.monotonic()
    seen: dict[str, str] = {}
    gates_seen: set[str] = set()
    gates: list[dict] = []
    while True:
        for ti in user.task_instances(dag_id, run_id):
            key, state = _task_key(ti), ti.get("state") or "none"
            if seen.get(key) != state:
                seen[key] = state
                if on_change:
                    on_change(key, state)
        for detail in user.pending_gates(dag_id, run_id):
            task_id = detail["task_instance"]["task_id"]
            if task_id not in gates_seen:
                gates_seen.add(task_id)
                gates.append(detail)
                if on_gate:
                    on_gate(detail)
        run = user.run(dag_id, run_id)
        if run["state"] in FINISHED:
            return RunOutcome(run["state"], seen, gates, time.monotonic() - started)
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{dag_id} run {run_id} still {run['state']} after {timeout:.0f} s: {seen}")
        time.sleep(poll)


def approve_command(dag_id: str, run_id: str, task_id: str) -> str:
    return f".venv/bin/python -m devstack.demo approve {shlex.quote(dag_id)} {shlex.quote(run_id)} {task_id}"


def follow_aloud(
    say: Callable[[str], None],
    admin: AirflowUser,
    approver: AirflowUser,
    dag_id: str,
    run_id: str,
    *,
    auto: bool,
    prefix: str = "",
    reject_hint: str | None = None,
) -> RunOutcome:
    """Follow a run, saying each task's state change (after `prefix`) and each gate: where to decide it,
    and either its approval as `approver` (`auto`) or the shell command that approves it."""

    def on_gate(detail: dict) -> None:
        task_id = detail["task_instance"]["task_id"]
        say(f"GATE {task_id}: {detail['subject']}")
        say(
            f"  decide in the UI: {admin.base_url}/dags/{dag_id}/runs/{run_id}/tasks/{task_id}/required_actions"
        )
        if auto:
            answer = approver.answer_gate(dag_id, run_id, task_id, "Approve")
            say(f"  approved by {answer['responded_by']['name']} (AUTO_APPROVE)")
        else:
            say(f"  or approve from a shell: {approve_command(dag_id, run_id, task_id)}")
            if reject_hint:
                say(reject_hint)

    def on_change(task: str, state: str) -> None:
        if state not in ("none", "scheduled", "queued"):
            say(f"{prefix}{task}: {state}")

    return follow_run(admin, dag_id, run_id, on_gate=on_gate, on_change=on_change, timeout=3 * 3600)
