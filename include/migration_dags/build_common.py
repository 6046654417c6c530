"""What every DAG builder of a plan shares: the DAG's keyword arguments, the AWS connection arguments and
the waiting arguments of sensors and deferrable operators.

A builder (wave, rollback, preflight, database, ...) writes ``DAG(**plan_dag_args(plan, dag_id, ...))`` and
passes ``**aws_args(plan)`` / ``**wait_args(plan)`` to its operators, so a change of policy is one edit here.
"""

from __future__ import annotations

from typing import Any

from migration_plan.model import MigrationPlan
from shared.retry import RETRY_POLICY

# How long a sensor or a deferred launch waits at most before the task fails (a launch takes minutes).
MAX_WAIT_HOURS = 6


def default_args(owner: str) -> dict:
    """The project's retry policy (shared/retry.py) for every task; tasks that must not retry (gates,
    checks) set retries=0."""
    return {"owner": owner, **RETRY_POLICY}


def plan_dag_args(plan: MigrationPlan, dag_id: str, *tags: str, doc_md: str, **extra: Any) -> dict[str, Any]:
    """The keyword arguments of one of the plan's DAGs: triggered by hand (no schedule, no catchup), the
    plan owner's retry policy, tags ``migration``, ``plan:<name>`` and ``tags``. ``extra`` adds or overrides
    (e.g. ``max_active_runs=1``, or ``schedule`` for a monitor)."""
    return {
        "dag_id": dag_id,
        "schedule": None,
        "catchup": False,
        "default_args": default_args(plan.plan.owner),
        "tags": ["migration", f"plan:{plan.plan.name}", *tags],
        "doc_md": doc_md,
        **extra,
    }


def aws_args(plan: MigrationPlan) -> dict[str, Any]:
    """The AWS connection arguments every AWS operator, sensor and hook of the plan takes."""
    return {"aws_conn_id": plan.plan.aws_conn_id, "region_name": plan.plan.region}


def wait_args(plan: MigrationPlan, max_hours: float = MAX_WAIT_HOURS) -> dict[str, Any]:
    """Deferred waiting at the plan's poll interval, for at most ``max_hours``: the four standard
    parameters of the provider's sensors and operators, less ``wait_for_completion``."""
    poll = plan.plan.poll_interval_seconds
    return {
        "deferrable": True,
        "waiter_delay": poll,
        "waiter_max_attempts": max(1, int(max_hours * 3600) // poll),
    }
