"""SQL access to a migration's source or target database, with credentials resolved at run time.

A database is described by plain values (engine, host, port, database) plus where its credentials live: a
Secrets Manager secret (DMS's own format: ``username``, ``password``, ``host``, ``port``, ``dbname``) or an
Airflow connection. The password only ever sits inside the SQLAlchemy URL object; logs and messages show the
URL rendered with the password hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowException

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

DRIVERS = {
    "postgres": "postgresql+psycopg2",
    "aurora-postgresql": "postgresql+psycopg2",
    "mysql": "mysql+pymysql",
    "mariadb": "mysql+pymysql",
    "aurora": "mysql+pymysql",
    "sqlite": "sqlite",
}
DEFAULT_PORTS = {"postgres": 5432, "aurora-postgresql": 5432, "mysql": 3306, "mariadb": 3306, "aurora": 3306}


def engine_family(engine: str) -> str:
    """``postgres``, ``mysql`` or ``sqlite``: what the SQL dialect (and read-only switch) depends on."""
    driver = DRIVERS.get(engine)
    if driver is None:
        raise AirflowException(
            f"engine {engine!r} has no SQL access here; supported: {', '.join(sorted(DRIVERS))}"
        )
    return driver.split("+")[0].replace("postgresql", "postgres")


@dataclass(frozen=True)
class DatabaseAddress:
    """Where a database is and where its credentials are (never the credentials themselves)."""

    engine: str
    database: str
    host: str | None = None
    port: int | None = None
    secret_arn: str | None = None
    conn_id: str | None = None

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> DatabaseAddress:
        keys = ("engine", "database", "host", "port", "secret_arn", "conn_id")
        return cls(**{k: values.get(k) for k in keys if values.get(k) is not None})


def _from_secret(address: DatabaseAddress, aws: dict[str, Any]) -> dict[str, Any]:
    from airflow.providers.amazon.aws.hooks.secrets_manager import SecretsManagerHook

    hook = SecretsManagerHook(**aws)
    try:
        secret = hook.get_secret_as_dict(address.secret_arn)
    except Exception as error:  # the message of a JSON error could quote the secret: never repeat it
        raise AirflowException(
            f"cannot read the credentials secret {address.secret_arn} ({type(error).__name__}): check that it "
            "exists in the region and holds JSON with username, password (and host, port, dbname)"
        ) from None
    return {
        "username": secret.get("username"),
        "password": secret.get("password"),
        "host": secret.get("host") or address.host,
        "port": int(secret["port"]) if secret.get("port") else address.port,
        "database": address.database or secret.get("dbname"),
    }


def _from_connection(address: DatabaseAddress) -> dict[str, Any]:
    from airflow.providers.common.compat.sdk import BaseHook

    conn = BaseHook.get_connection(address.conn_id)
    return {
        "username": conn.login,
        "password": conn.password,
        "host": address.host or conn.host,
        "port": address.port or conn.port,
        "database": address.database or conn.schema,
    }


def sqlalchemy_url(address: DatabaseAddress, aws: dict[str, Any] | None = None) -> URL:
    """
    The SQLAlchemy URL of ``address``; ``aws`` are the hook kwargs (aws_conn_id, region_name, ...) used to
    read a Secrets Manager secret.
    """
    from sqlalchemy.engine import URL

    family = engine_family(address.engine)
    if family == "sqlite":
        return URL.create("sqlite", database=address.database)
    if address.secret_arn:
        values = _from_secret(address, aws or {})
    elif address.conn_id:
        values = _from_connection(address)
    else:
        raise AirflowException(
            f"database {address.database!r} ({address.engine}) has no credentials: give secret_arn or conn_id"
        )
    return URL.create(
        DRIVERS[address.engine],
        username=values["username"],
        password=values["password"],
        host=values["host"],
        port=values["port"] or DEFAULT_PORTS.get(address.engine),
        database=values["database"],
    )


def create_engine_for(address: DatabaseAddress, aws: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """A SQLAlchemy engine (NullPool: an Airflow task opens few connections and must not keep them)."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    kwargs.setdefault("poolclass", NullPool)
    return create_engine(sqlalchemy_url(address, aws), **kwargs)
