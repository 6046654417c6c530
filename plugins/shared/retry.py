"""The Airflow-level retry policy of every migration task, on top of botocore's own (hooks/aws_common.py).

botocore's standard mode already absorbs short throttling/5xx bursts inside one call (10 attempts, backoff
up to 20 s). An Airflow retry is for a longer outage, so it starts after a minute (then 2, 4... capped at
10 min) rather than sooner, when the cause is most likely still there. It is safe because every operator is
idempotent. The DAG builders use the same policy as their ``default_args`` (migration_dags/build_common.py).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

RETRY_POLICY: dict[str, Any] = {
    "retries": 2,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=10),
}


def with_retry_defaults(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Fill what neither the operator's kwargs nor the DAG's ``default_args`` (passed along in them) set."""
    dag_defaults = kwargs.get("default_args") or {}
    for key, value in RETRY_POLICY.items():
        if key not in kwargs and key not in dag_defaults:
            kwargs[key] = value
    return kwargs
