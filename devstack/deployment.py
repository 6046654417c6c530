"""The distributed deployment, described once.

`make demo EXECUTOR=celery` and the Celery end-to-end tests run it on this machine (devstack/celery_stack.py);
docker-compose.yaml and the Dockerfile ship it. tests/unit/test_deployment_files.py compares both with this
file, so they cannot drift: the same components, the same shared settings, the same pins. Only where things
are (host names, ports, database names, passwords) differs: SITE_SETTINGS names those, and each side sets
every one of them.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

AIRFLOW_IMAGE = "apache/airflow:3.3.2-python3.11"  # the requirements.txt pin, on the venv's Python
POSTGRES_IMAGE = "postgres:15"  # the major version of the local server the Celery mode runs on
REDIS_IMAGE = "redis:7.0"  # likewise
CELERY_WORKERS = 2  # separate worker processes (compose: replicas of airflow-worker)

# docker-compose service -> the `airflow` command it runs
COMPONENTS: dict[str, tuple[str, ...]] = {
    "airflow-apiserver": ("api-server",),
    "airflow-scheduler": ("scheduler",),
    "airflow-dag-processor": ("dag-processor",),
    "airflow-triggerer": ("triggerer",),
    "airflow-worker": ("celery", "worker"),
}
WORKER = "airflow-worker"

# Every component of both has exactly these.
SETTINGS: dict[str, str] = {
    "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE": "True",
    "AIRFLOW__CELERY__WORKER_CONCURRENCY": "4",
    # a message is acknowledged when its task ends: a worker killed mid-task does not lose it silently
    "AIRFLOW__CELERY__TASK_ACKS_LATE": "True",
    "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT": "21600",
}

# Every component of both sets these, to values that depend on where it runs.
SITE_SETTINGS: tuple[str, ...] = (
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",  # PostgreSQL
    "AIRFLOW__CELERY__BROKER_URL",  # Redis
    "AIRFLOW__CELERY__RESULT_BACKEND",  # the metadata database (db+postgresql...)
    "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
    # production pauses new DAGs until someone unpauses them; the local stack starts them unpaused
    "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION",
    "MIGRATION_PLANS_DIR",
    "PYTHONPATH",
)


def pinned(requirement: str) -> str:
    """The version requirements.txt pins for a distribution (e.g. "apache-airflow")."""
    for line in (REPO / "requirements.txt").read_text().splitlines():
        name, _, version = line.split("#")[0].strip().partition("==")
        if name.lower() == requirement.lower():
            return version
    raise KeyError(f"requirements.txt does not pin {requirement}")
