"""Endpoints as SQLAlchemy engines: URL building, schema conventions, reflection of source tables.

Schemas as DMS sees them: PostgreSQL schemas; MySQL/MariaDB databases (the sandbox lists only the
endpoint's DatabaseName when one is given, so endpoints on a shared server stay apart); SQLite `main`.
On the target, PostgreSQL tables go to the (transformed) source schema, created when missing; MySQL/MariaDB
tables go to the endpoint's database (DMS's TargetDbType SPECIFIC_DATABASE default), or, when the endpoint
names no database, to a database named after the (transformed) source schema; SQLite has one schema.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, Engine

from .errors import EndpointConnectionError
from .mappings import SourceColumn, SourceTable
from .types import from_reflected

MYSQL_ENGINES = {"mysql", "mariadb", "aurora"}
POSTGRES_ENGINES = {"postgres", "aurora-postgresql"}
SUPPORTED_ENGINES = MYSQL_ENGINES | POSTGRES_ENGINES | {"sqlite"}
# engines, SQLAlchemy driver, default port, database when the endpoint names none, URL query
SERVER_DRIVERS = (
    (MYSQL_ENGINES, "mysql+pymysql", 3306, None, {"charset": "utf8mb4"}),
    (POSTGRES_ENGINES, "postgresql+psycopg2", 5432, "postgres", {}),
)
SYSTEM_SCHEMAS = {
    "postgresql": {"pg_catalog", "information_schema", "pg_toast", "awsdms_control"},
    "mysql": {"mysql", "information_schema", "performance_schema", "sys", "awsdms_control"},
}


def endpoint_url(
    engine_name: str,
    *,
    server: str | None = None,
    port: int | None = None,
    database: str | None = None,
    username: str | None = None,
    password: str | None = None,
) -> URL:
    """SQLAlchemy URL of a DMS endpoint (engine names as in CreateEndpoint.EngineName)."""
    engine_name = engine_name.lower()
    if engine_name == "sqlite":
        if not database:
            raise EndpointConnectionError(
                "A sqlite endpoint needs DatabaseName: the path of the database file"
            )
        return URL.create("sqlite", database=database)
    for engines, driver, default_port, default_database, query in SERVER_DRIVERS:
        if engine_name in engines:
            return URL.create(
                driver,
                username=username,
                password=password,
                host=server,
                port=port or default_port,
                database=database or default_database,
                query=query,
            )
    raise EndpointConnectionError(f"Engine {engine_name!r} is not supported by the sandbox")


@dataclass
class Database:
    """One endpoint's database: a pooled engine plus the conventions the engine needs."""

    url: URL
    role: str = "source"  # for messages: source / target
    name: str = ""  # endpoint identifier, for messages
    _engine: Engine | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    write_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)  # SQLite: one writer

    @property
    def dialect(self) -> str:
        return self.url.get_backend_name()  # sqlite, postgresql, mysql

    @property
    def engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                kwargs: dict[str, Any] = {"pool_pre_ping": True}
                if self.dialect == "postgresql":
                    kwargs.update(connect_args={"connect_timeout": 5}, pool_size=16, max_overflow=32)
                elif self.dialect == "mysql":
                    kwargs.update(
                        connect_args={"connect_timeout": 5, "read_timeout": 600, "write_timeout": 600},
                        pool_size=16,
                        max_overflow=32,
                    )
                else:
                    kwargs.update(connect_args={"timeout": 60, "check_same_thread": False})
                self._engine = create_engine(self.url, **kwargs)
            return self._engine

    def dispose(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None

    @property
    def sqlite_path(self) -> str:
        return str(self.url.database)

    def raw(self) -> Any:
        """A pooled DBAPI connection (close() returns it to the pool)."""
        return self.engine.raw_connection()

    def check(self) -> None:
        """A real connection attempt; EndpointConnectionError with the driver's message (no password)."""
        label = f"{self.role} endpoint {self.name}".strip() if self.name else f"{self.role} endpoint"
        if self.dialect == "sqlite":
            path = self.sqlite_path
            if self.role == "source" and not os.path.exists(path):
                raise EndpointConnectionError(
                    f"Cannot connect to {label}: database file {path} does not exist"
                )
            if self.role == "target" and not os.path.isdir(os.path.dirname(os.path.abspath(path))):
                raise EndpointConnectionError(
                    f"Cannot connect to {label}: directory of {path} does not exist"
                )
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:
            message = str(getattr(exc, "orig", exc) or exc).strip().splitlines()[0] if str(exc) else repr(exc)
            if self.url.password:
                message = message.replace(str(self.url.password), "***")
            raise EndpointConnectionError(f"Cannot connect to {label}: {message}") from exc

    # naming
    def quote(self, name: str) -> str:
        return self.engine.dialect.identifier_preparer.quote_identifier(name)

    def qualified(self, schema: str, table: str) -> str:
        if self.dialect == "sqlite":
            return self.quote(table)
        if self.dialect == "mysql" and self.role == "target" and self.url.database:
            return self.quote(table)  # TargetDbType SPECIFIC_DATABASE: the endpoint's database
        return f"{self.quote(schema)}.{self.quote(table)}"

    @property
    def placeholder(self) -> str:
        return "?" if self.dialect == "sqlite" else "%s"

    def schemas(self) -> list[str]:
        if self.dialect == "sqlite":
            return ["main"]
        if self.dialect == "mysql" and self.url.database:
            return [self.url.database]
        names = inspect(self.engine).get_schema_names()
        return [s for s in names if s not in SYSTEM_SCHEMAS[self.dialect] and not s.startswith("pg_temp")]

    def reflect(self, schema: str, table: str) -> SourceTable:
        insp = inspect(self.engine)
        sa_schema = None if self.dialect == "sqlite" else schema
        columns = tuple(
            SourceColumn(c["name"], from_reflected(c["type"], self.dialect), bool(c.get("nullable", True)))
            for c in insp.get_columns(table, schema=sa_schema)
        )
        pk = tuple(insp.get_pk_constraint(table, schema=sa_schema).get("constrained_columns") or ())
        return SourceTable(schema, table, columns, pk)

    def tables(self, schema: str) -> list[str]:
        insp = inspect(self.engine)
        names = insp.get_table_names(schema=None if self.dialect == "sqlite" else schema)
        return [n for n in names if not n.startswith(("awsdms_", "sqlite_"))]
