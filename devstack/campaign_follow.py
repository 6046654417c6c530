"""Follow a campaign through the REST API: the runs it starts in the wave and database DAGs, the waves in
flight, and their approval gates (announced, and answered unless held or not auto-approving).

The gates live in the wave and database DAGs' own runs, not in the campaign's, so following the campaign
means watching those DAGs. Used by `make campaign` (devstack/rehearse.py --campaign) and the e2e test.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from devstack.api import AirflowUser, ApiError
from devstack.follow import approve_command

IN_FLIGHT = ("queued", "running")


@dataclass
class CampaignFollower:
    admin: AirflowUser
    approver: AirflowUser
    wave_dags: list[str]
    database_dags: list[str]
    auto_approve: bool = True
    held: set[tuple[str, str]] = field(default_factory=set)  # (dag_id, task_id) gates left waiting
    on_gate: Callable[[str, str, dict], None] | None = None  # (dag_id, run_id, gate) when a gate opens
    max_in_flight: int = 0
    answered: list[tuple[str, str]] = field(default_factory=list)
    _announced: set[tuple[str, str, str]] = field(default_factory=set)

    def runs(self, dag_id: str) -> list[dict]:
        return self.admin.request("GET", f"/dags/{dag_id}/dagRuns", params={"limit": 100})["dag_runs"]

    def poll(self) -> set[tuple[str, str]]:
        """(dag_id, task_id) of every gate waiting now; answers those not held (when auto-approving) and
        counts the waves in flight."""
        waiting: set[tuple[str, str]] = set()
        in_flight = 0
        for dag_id in [*self.wave_dags, *self.database_dags]:
            for run in self.runs(dag_id):
                if run["state"] not in IN_FLIGHT:
                    continue
                in_flight += dag_id in self.wave_dags
                for gate in self.admin.pending_gates(dag_id, run["dag_run_id"]):
                    self._gate(dag_id, run["dag_run_id"], gate, waiting)
        self.max_in_flight = max(self.max_in_flight, in_flight)
        return waiting

    def _gate(self, dag_id: str, run_id: str, gate: dict, waiting: set) -> None:
        task_id = gate["task_instance"]["task_id"]
        waiting.add((dag_id, task_id))
        if (dag_id, run_id, task_id) not in self._announced:
            self._announced.add((dag_id, run_id, task_id))
            if self.on_gate:
                self.on_gate(dag_id, run_id, gate)
        if self.auto_approve and (dag_id, task_id) not in self.held:
            self.approver.answer_gate(dag_id, run_id, task_id, "Approve")
            self.answered.append((dag_id, task_id))

    def until(self, done: Callable[[set], object], timeout: float, what: str, pause: float = 1.0):
        """Poll until ``done(waiting gates)`` is truthy; returns it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if result := done(self.poll()):
                return result
            time.sleep(pause)
        states = {d: [(r["dag_run_id"], r["state"]) for r in self.runs(d)] for d in self.wave_dags}
        raise TimeoutError(f"{what} not reached in {timeout:.0f} s: {states}")

    def follow(self, campaign_dag: str, run_id: str, timeout: float) -> str:
        """Until the campaign run ends; returns its state."""

        def finished(_):
            state = self.admin.run(campaign_dag, run_id)["state"]
            return state if state in ("success", "failed") else None

        return self.until(finished, timeout, f"{campaign_dag} run {run_id} finished", pause=2.0)


def run_campaign(
    say: Callable[[str], None], admin: AirflowUser, approver: AirflowUser, plan, *, auto: bool
) -> int:
    """Trigger the plan's campaign, say each gate of the runs it starts (where to decide it, or answer it
    with ``auto``), follow it to the end and print its summary; 0 when it succeeded."""
    name = plan.plan.name
    campaign = f"{name}__campaign"
    admin.wait_for_dag(campaign, timeout=180)
    run_id = admin.trigger(campaign)["dag_run_id"]
    say(f"triggered {campaign} run {run_id}")

    def on_gate(dag_id: str, run: str, gate: dict) -> None:
        task_id = gate["task_instance"]["task_id"]
        say(f"GATE {dag_id}.{task_id}: {gate['subject']}")
        say(f"  decide in the UI: {admin.base_url}/dags/{dag_id}/runs/{run}/tasks/{task_id}/required_actions")
        say(
            f"  {'approving as ' + approver.username if auto else 'or approve from a shell: ' + approve_command(dag_id, run, task_id)}"
        )

    follower = CampaignFollower(
        admin,
        approver,
        wave_dags=[f"{name}__wave__{w.name}" for w in plan.waves],
        database_dags=[f"{name}__database__{d.name}" for d in plan.databases],
        auto_approve=auto,
        on_gate=on_gate,
    )
    state = follower.follow(campaign, run_id, timeout=3 * 3600)
    say(f"{campaign}: {state.upper()}")
    path = f"/dags/{campaign}/dagRuns/{run_id}/taskInstances/summary/xcomEntries/campaign_report"
    try:
        print(admin.request("GET", path, params={"deserialize": True})["value"], flush=True)
    except ApiError:
        say("no summary: the campaign run ended before its summary task")
    return 0 if state == "success" else 1
