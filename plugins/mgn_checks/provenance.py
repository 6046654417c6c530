"""Which MGN jobs a DAG run started: the tags a job-starting task puts on its job, and the time the run began.

One definition for the launch operators (reuse the job this run started) and the terminate operator (reuse
the terminate job this very task started): both compare a job's tags with ``run_tags`` of the task.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

DAG_ID_TAG, RUN_ID_TAG, TASK_ID_TAG = "airflow-dag-id", "airflow-run-id", "airflow-task-id"
RUN_TAG_KEYS = (DAG_ID_TAG, RUN_ID_TAG)
TASK_TAG_KEYS = (DAG_ID_TAG, RUN_ID_TAG, TASK_ID_TAG)
TAG_VALUE_MAX = 256  # MGN's TagValue: 0..256 characters
# AWS and Airflow clocks differ a little: a job started by this run may carry a time slightly before it.
CLOCK_SKEW = timedelta(minutes=5)


def run_tags(dag_id: str | None, run_id: str | None, task_id: str | None) -> dict[str, str]:
    """The provenance tags of a job: which DAG, run and task started it (stable when a task is cleared)."""
    values = {DAG_ID_TAG: dag_id, RUN_ID_TAG: run_id, TASK_ID_TAG: task_id}
    return {key: str(value)[:TAG_VALUE_MAX] for key, value in values.items() if value}


def started_by(job: dict[str, Any], tags: dict[str, str], keys: tuple[str, ...] = RUN_TAG_KEYS) -> bool:
    """The job carries ``tags``' values for ``keys``: this run (RUN_TAG_KEYS) or this task (TASK_TAG_KEYS).
    A key ``tags`` lacks (no task context) never matches."""
    job_tags = job.get("tags") or {}
    return all(key in tags and job_tags.get(key) == tags[key] for key in keys)


def untagged(job: dict[str, Any]) -> bool:
    """Started without our provenance tags (by hand, or by an older version): judged by its start time."""
    return RUN_ID_TAG not in (job.get("tags") or {})


def parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def run_started(dag_run: Any) -> datetime | None:
    """
    When the DAG run began (less clock skew). ``run_after`` first: unlike ``start_date`` it does not move
    when a task or the run is cleared.
    """
    starts = [t for t in (getattr(dag_run, "run_after", None), getattr(dag_run, "start_date", None)) if t]
    return min(starts) - CLOCK_SKEW if starts else None
