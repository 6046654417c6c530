"""Airflow-level retries for the migration tasks, on top of botocore's own (see hooks/aws_common.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

# botocore absorbs short throttling/5xx bursts within one call; an Airflow retry covers a longer outage
# (minutes), and is safe because every operator here is idempotent. DAG default_args or explicit kwargs win.
RETRY_DEFAULTS: dict[str, Any] = {
    "retries": 2,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=10),
}


def with_retry_defaults(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Fill what neither the operator's kwargs nor the DAG's ``default_args`` (passed along in them) set."""
    dag_defaults = kwargs.get("default_args") or {}
    for key, value in RETRY_DEFAULTS.items():
        if key not in kwargs and key not in dag_defaults:
            kwargs[key] = value
    return kwargs
