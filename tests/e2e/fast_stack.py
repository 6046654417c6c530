"""The Airflow of the fast-approval end-to-end tests: one per executor for the session (tests/e2e/conftest.py),
the waves of tests/e2e/fast_gates.py on it, against a sandbox in a process of its own."""

from __future__ import annotations

import time
from dataclasses import dataclass

from devstack.airflow_stack import AirflowStack
from devstack.api import AirflowUser
from devstack.celery_stack import CeleryStack
from devstack.demo import sandbox_connection
from sandbox.testing import SandboxHandle
from tests.e2e.fast_gates import stranded_gates

RACE_WAVES = ["g1", "g2", "g3", "g4", "g5"]
KILL_WAVE = "k1"  # Celery only: the wave whose test launch loses its worker
BROWSER_WAVE = "b1"  # LocalExecutor only: the wave approved in the browser
APPROVERS = ["alice", "demo-approver"]
USERS = {"admin": "admin", "alice": "user", "demo-approver": "user", "mallory": "user"}
# A task whose worker died is failed after 20 s without heartbeat (default 5 min), and retried after 2 s
# (the plan's policy waits a minute): the Airflow mechanisms at test speed.
FAST_RECOVERY_ENV = {
    # two api-server processes: the gate poller, the answers and the workers' Execution API calls in parallel
    "AIRFLOW__API__WORKERS": "2",
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20",
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
}
FAST_RETRY_POLICY = """\
from datetime import timedelta


def task_policy(task):
    if task.retries:
        task.retry_delay = timedelta(seconds=2)
"""


@dataclass
class Waves:
    executor: str
    stack: AirflowStack
    sandbox: SandboxHandle

    def user(self, name: str) -> AirflowUser:
        return AirflowUser(self.stack.base_url, name, self.stack.password(name))


def make_stack(executor: str, home, plans, sandbox_url: str) -> AirflowStack:
    (home / "config").mkdir(parents=True)
    (home / "config" / "airflow_local_settings.py").write_text(FAST_RETRY_POLICY)  # a cluster policy
    cls = CeleryStack if executor == "celery" else AirflowStack
    return cls(
        home=home,
        users=USERS,
        plans_dir=plans,
        extra_env={"AIRFLOW_CONN_AWS_SANDBOX": sandbox_connection(sandbox_url), **FAST_RECOVERY_ENV},
    )


def wait_for_runs(admin: AirflowUser, runs: dict[str, str], timeout: float) -> dict[str, str]:
    """dag_id -> run_id until every run has finished; returns dag_id -> final state."""
    deadline = time.monotonic() + timeout
    states: dict[str, str] = {}
    while True:
        states = {dag: admin.run(dag, run)["state"] for dag, run in runs.items()}
        if all(state in ("success", "failed") for state in states.values()):
            return states
        assert not (lost := stranded_gates(admin)), f"answered gates still waiting: {lost}"
        if time.monotonic() > deadline:
            unfinished = {
                dag: task_states(admin, dag, run)
                for dag, run in runs.items()
                if states[dag] not in ("success", "failed")
            }
            raise TimeoutError(f"runs not finished after {timeout:.0f} s: {unfinished}")
        time.sleep(2)


def task_states(admin: AirflowUser, dag: str, run: str) -> dict[str, str]:
    return {
        ti["task_id"] + ("" if ti["map_index"] < 0 else f"[{ti['map_index']}]"): ti["state"]
        for ti in admin.task_instances(dag, run)
    }
