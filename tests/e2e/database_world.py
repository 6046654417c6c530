"""The databases of the database e2e: real local SQLite, PostgreSQL and MariaDB sources and targets, their
users (the DMS endpoints' and the application's, which writes during the run), the plan that moves them,
and an application writer that keeps writing until the cutover makes the source read-only."""

from __future__ import annotations

import contextlib
import os
import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from sandbox.testing import include_all

ROWS = 300
COLUMNS = "id, name, qty, price"
# Test-only credentials of throwaway users, named per process: a run killed before its teardown, or another
# test process on the same servers, must not hold or drop the users of this one.
DMS_USER, DMS_PASSWORD = f"e2e_dms_{os.getpid()}", "Dms-pw-5a8e31"
APP_USER, APP_PASSWORD = f"e2e_app_{os.getpid()}", "App-pw-90c2d4"
PG_SECRET_PASSWORD = "Pg-secret-pw-3b77"  # PostgreSQL trusts local connections: it travels but is unused
PG_CONN_PASSWORD = "Pg-conn-pw-e41a"
PASSWORDS = [DMS_PASSWORD, PG_SECRET_PASSWORD, PG_CONN_PASSWORD]


def create_items(url: URL | str, pg_app: bool = False) -> None:
    """The source table with ROWS rows (PostgreSQL: the app role may write it)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(20), qty INTEGER, price NUMERIC(9,2))"
            )
        )
        conn.execute(
            text("INSERT INTO items VALUES (:i, :n, :q, :p)"),
            [{"i": i, "n": f"item {i}", "q": i % 9, "p": f"{i}.5"} for i in range(1, ROWS + 1)],
        )
        if pg_app:
            conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON items TO {APP_USER}"))
    engine.dispose()


def rows(url: URL | str, table: str = "items") -> list[tuple]:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = [tuple(r) for r in conn.execute(text(f"SELECT {COLUMNS} FROM {table} ORDER BY id"))]
    engine.dispose()
    return found


def mariadb_users(admin_url: URL, app_databases: list[str]) -> None:
    """The DMS endpoints' user (reads the binlog, revokes the app's writes) and the app user."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for user in (DMS_USER, APP_USER):
            conn.execute(text(f"DROP USER IF EXISTS '{user}'@'%'"))
        conn.execute(text(f"CREATE USER '{DMS_USER}'@'%' IDENTIFIED BY '{DMS_PASSWORD}'"))
        conn.execute(text(f"GRANT ALL PRIVILEGES ON *.* TO '{DMS_USER}'@'%' WITH GRANT OPTION"))
        conn.execute(text(f"CREATE USER '{APP_USER}'@'%' IDENTIFIED BY '{APP_PASSWORD}'"))
        for database in app_databases:
            conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON `{database}`.* TO '{APP_USER}'@'%'"))
    admin.dispose()


def drop_mariadb_users(admin_url: URL) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for user in (DMS_USER, APP_USER):
            conn.execute(text(f"DROP USER IF EXISTS '{user}'@'%'"))
    admin.dispose()


def postgres_app_role(admin_url: URL, drop: bool = False) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": APP_USER}).first()
        if drop and exists:
            conn.execute(text(f"DROP ROLE {APP_USER}"))
        elif not drop and not exists:
            conn.execute(text(f"CREATE ROLE {APP_USER} LOGIN PASSWORD '{APP_PASSWORD}'"))
    admin.dispose()


def drop_postgres_slots(admin_url: URL, database: str) -> None:
    """Slots a failed run left (a database with a slot cannot be dropped)."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            text("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = :d"),
            {"d": database},
        )
    admin.dispose()


@dataclass
class Writer:
    """The application: inserts, updates and deletes on `items` until the source refuses writes."""

    url: URL | str
    name: str
    begin: threading.Event = field(default_factory=threading.Event)  # writes start once this is set
    stop: threading.Event = field(default_factory=threading.Event)
    commits: list[float] = field(default_factory=list)  # epoch seconds of each committed write
    refused: int = 0
    thread: threading.Thread | None = None

    def start(self) -> Writer:
        self.thread = threading.Thread(target=self._run, name=f"writer-{self.name}", daemon=True)
        self.thread.start()
        return self

    def _write(self, conn: Any, n: int, pick: random.Random) -> None:
        conn.execute(
            text("INSERT INTO items VALUES (:i, :n, :q, :p)"),
            {"i": n, "n": f"new {n}", "q": n % 7, "p": f"{n % 100}.25"},
        )
        conn.execute(text("UPDATE items SET qty = qty + 1 WHERE id = :k"), {"k": pick.randint(1, ROWS)})
        if n % 4 == 0:
            conn.execute(text("DELETE FROM items WHERE id = :k"), {"k": pick.randint(1, ROWS)})

    def _run(self) -> None:
        args = {"connect_args": {"timeout": 10}} if str(self.url).startswith("sqlite") else {}
        engine, pick, n = create_engine(self.url, pool_pre_ping=True, **args), random.Random(7), 100_000
        while not self.begin.wait(0.2):
            if self.stop.is_set():
                return
        while not self.stop.wait(0.1):
            n += 1
            try:
                with engine.begin() as conn:
                    self._write(conn, n, pick)
                self.commits.append(time.time())
            except Exception:  # read-only now (or the session was ended for it): the app is refused
                self.refused += 1
                engine.dispose()
        engine.dispose()

    def finish(self) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=30)


def endpoint(engine: str, url: URL | Path, **credentials: Any) -> dict[str, Any]:
    if engine == "sqlite":
        return {"engine": "sqlite", "database": str(url)}
    return {
        "engine": engine,
        "host": "127.0.0.1",
        "port": url.port or (5432 if engine == "postgres" else 3306),
        "database": url.database,
        **credentials,
    }


def selection(schema: str, rename: str | None = None) -> list[dict[str, Any]]:
    return include_all(schema, rename=rename)["rules"]


def cdc_database(name: str, source: dict, target: dict, rules: list, read_only_users: list[str]) -> dict:
    return {
        "name": name,
        "migration_type": "full-load-and-cdc",
        "source": source,
        "target": target,
        "replication_instance": {"allocated_storage_gb": 20},
        "table_mappings": {"rules": rules},
        "task_settings": {"FullLoadSettings": {"TargetTablePrepMode": "DROP_AND_CREATE"}},
        "validation": {
            "great_expectations": {
                "sql_checks": [
                    {
                        "table": "items",
                        "name": "no negative qty",
                        "query": "SELECT * FROM {batch} WHERE qty < 0",
                    }
                ]
            }
        },
        "cutover": {
            "source_read_only": True,
            "read_only_users": read_only_users,
            "max_cdc_lag_seconds": 2,
            "lag_datapoints": 2,
            "lag_period_seconds": 5,
            "downtime_budget_seconds": 120,
            "address_switch": {"ssm_parameter": f"/app/{name}/db-host", "value": f"{name}-target.local"},
        },
    }


def plan(name: str, databases: list[dict]) -> dict:
    return {
        "plan": {
            "name": name,
            "region": "us-east-1",
            "aws_conn_id": "aws_sandbox",
            "approvers": ["alice"],
            "poll_interval_seconds": 2,
        },
        "databases": databases,
    }


def dms_resources(dms: Any, base: str) -> dict[str, list[dict]]:
    """Every instance, endpoint and task of the sandbox's DMS named `base` or `base-...`."""
    found = {}
    for call, key, ident in (
        ("describe_replication_instances", "ReplicationInstances", "ReplicationInstanceIdentifier"),
        ("describe_endpoints", "Endpoints", "EndpointIdentifier"),
        ("describe_replication_tasks", "ReplicationTasks", "ReplicationTaskIdentifier"),
    ):
        items: list[dict] = []
        with contextlib.suppress(dms.exceptions.ResourceNotFoundFault):
            items = getattr(dms, call)()[key]
        found[key] = [i for i in items if i[ident] == base or i[ident].startswith(f"{base}-")]
    return found
