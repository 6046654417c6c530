"""The Airflow an end-to-end module runs its DAGs on: connection aws_sandbox pointing at a sandbox port."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from devstack.airflow_stack import AirflowStack
from devstack.api import AirflowUser
from devstack.demo import sandbox_connection


@contextmanager
def airflow_on_sandbox(
    home: Path, users: dict[str, str], plans: Path, sandbox_port: int, dag_id: str
) -> Iterator[AirflowStack]:
    """Started, with the plans' DAG `dag_id` parsed (an `admin` among `users`); stopped at the end."""
    stack = AirflowStack(
        home=home,
        users=users,
        plans_dir=plans,
        extra_env={"AIRFLOW_CONN_AWS_SANDBOX": sandbox_connection(f"http://127.0.0.1:{sandbox_port}")},
    )
    stack.start()
    try:
        AirflowUser(stack.base_url, "admin", stack.password("admin")).wait_for_dag(dag_id, timeout=180)
        yield stack
    finally:
        stack.stop()
