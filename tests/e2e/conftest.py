"""Shared by the fast-approval and browser tests: one Airflow per executor for the whole session."""

from __future__ import annotations

import pytest

from devstack.airflow_stack import free_port
from devstack.api import AirflowUser
from sandbox.testing import running_sandbox
from tests.e2e.fast_gates import dag_id, plan_yaml, sandbox_world
from tests.e2e.fast_stack import APPROVERS, BROWSER_WAVE, KILL_WAVE, RACE_WAVES, Waves, make_stack


@pytest.fixture(scope="session", params=["local", "celery"])
def waves(request, tmp_path_factory):
    """The Airflow of one executor (`local`, `celery`) with its waves, ready to trigger."""
    executor = request.param
    names = [*RACE_WAVES, KILL_WAVE if executor == "celery" else BROWSER_WAVE]
    plans = tmp_path_factory.mktemp(f"plans-{executor}")
    (plans / "fastgates.yaml").write_text(plan_yaml(names, APPROVERS))
    with running_sandbox(sandbox_world(names), subprocess=True, port=free_port()) as sandbox:
        stack = make_stack(
            executor, tmp_path_factory.mktemp(f"airflow-{executor}"), plans, sandbox.endpoint_url
        )
        try:
            stack.start()
            admin = AirflowUser(stack.base_url, "admin", stack.password("admin"))
            for wave in names:
                admin.wait_for_dag(dag_id(wave), timeout=180)
            yield Waves(executor, stack, sandbox)
        finally:
            stack.stop()
