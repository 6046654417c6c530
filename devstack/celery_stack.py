"""The local Airflow on the CeleryExecutor: the deployment of devstack/deployment.py, run on this machine.

Metadata (and Celery's results) in a database of its own on the local PostgreSQL, Redis as the broker under a
key prefix and queue of its own (several stacks share the server), two Celery workers as separate
processes, and the scheduler, dag-processor, triggerer and api-server of AirflowStack. The database and the
Redis keys are removed when the stack stops.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from devstack.airflow_stack import AirflowStack, free_port
from devstack.deployment import CELERY_WORKERS, SETTINGS

POSTGRES = "postgresql+psycopg2://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/0"


@dataclass
class CeleryStack(AirflowStack):
    workers: int = CELERY_WORKERS
    name: str = field(default_factory=lambda: f"mig{secrets.token_hex(4)}")
    postgres: str = POSTGRES
    redis: str = REDIS

    @property
    def database_url(self) -> str:
        return f"{self.postgres}/airflow_{self.name}"

    @property
    def queue(self) -> str:
        return f"migration-{self.name}"

    def env(self) -> dict[str, str]:
        env = super().env()
        env.update(SETTINGS)
        env.update(
            {
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.database_url,
                "AIRFLOW__CELERY__BROKER_URL": self.redis,
                "AIRFLOW__CELERY__RESULT_BACKEND": f"db+{self.database_url}",
                "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__GLOBAL_KEYPREFIX": f"{self.name}:",
                "AIRFLOW__OPERATORS__DEFAULT_QUEUE": self.queue,
            }
        )
        env.update(self.extra_env)
        return env

    def commands(self) -> dict[str, list[str]]:
        commands = super().commands()
        for i in range(1, self.workers + 1):
            commands[f"worker-{i}"] = [
                "celery",
                "worker",
                "--celery-hostname",
                f"worker{i}-{self.name}@%h",
                "--queues",
                self.queue,
                "--pid",
                str(self.home / f"worker-{i}.pid"),  # one each (the default file is shared)
            ]
        return commands

    def process_env(self, name: str) -> dict[str, str]:
        # each worker serves its task logs on a port of its own (two on one machine)
        return (
            {"AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port())}
            if name.startswith("worker")
            else {}
        )

    def prepare(self) -> None:
        from sqlalchemy import create_engine, text

        engine = create_engine(f"{self.postgres}/postgres", isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "airflow_{self.name}"'))
        engine.dispose()
        super().prepare()

    def stop(self) -> None:
        super().stop()
        self._drop_database()
        self._delete_redis_keys()

    def _drop_database(self) -> None:
        from sqlalchemy import create_engine, text

        engine = create_engine(f"{self.postgres}/postgres", isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "airflow_{self.name}" WITH (FORCE)'))
        engine.dispose()

    def _delete_redis_keys(self) -> None:
        import redis

        client = redis.Redis.from_url(self.redis)
        keys = list(client.scan_iter(match=f"{self.name}:*", count=500))
        if keys:
            client.delete(*keys)
        client.close()
