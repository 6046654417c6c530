"""What every DAG of a plan shares."""

from __future__ import annotations

from datetime import timedelta

DEFAULT_RETRIES = 2


def default_args(owner: str) -> dict:
    """Retries with backoff for every task; tasks that must not retry (gates, checks) set retries=0."""
    return {
        "owner": owner,
        "retries": DEFAULT_RETRIES,
        "retry_delay": timedelta(seconds=30),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=10),
    }
