"""Stopping and restarting writes on a source database, per engine (idempotent both ways).

- PostgreSQL: ``ALTER DATABASE ... SET default_transaction_read_only = on`` (new sessions cannot write),
  then the sessions of ``users`` are ended so they reconnect read-only. Back: ``RESET``.
- MySQL/MariaDB: no per-database switch exists (``read_only`` is server-wide), so INSERT, UPDATE, DELETE
  on the database are revoked from ``users`` (``name`` or ``name@host``, host ``%`` by default) and their
  sessions killed. Back: the same privileges granted again.
- SQLite: a BEFORE INSERT/UPDATE/DELETE trigger raising on every table (file permissions do not stop a
  process running as root); DMS's own ``awsdms_*`` tables are left alone. Back: the triggers dropped.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.common.compat.sdk import AirflowException

WRITE_PRIVILEGES = "INSERT, UPDATE, DELETE"


def _account(user: str) -> tuple[str, str]:
    name, _, host = user.partition("@")
    return name, host or "%"


def _pg(engine: Any, database: str, users: list[str], read_only: bool) -> str:
    from sqlalchemy import text

    quoted = engine.dialect.identifier_preparer.quote(database)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("SET SESSION default_transaction_read_only = off"))  # this session may change it
        if read_only:
            conn.execute(text(f"ALTER DATABASE {quoted} SET default_transaction_read_only = on"))
            if users:
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :db "
                        "AND usename = ANY(:users) AND pid <> pg_backend_pid()"
                    ),
                    {"db": database, "users": list(users)},
                )
            return f"default_transaction_read_only on for database {database}; sessions of {users or 'nobody'} ended"
        conn.execute(text(f"ALTER DATABASE {quoted} RESET default_transaction_read_only"))
        return f"default_transaction_read_only reset for database {database}"


def _mysql(engine: Any, database: str, users: list[str], read_only: bool) -> str:
    from sqlalchemy import text

    if not users:
        raise AirflowException(
            "MySQL/MariaDB read-only needs the application users (cutover.read_only_users)"
        )
    quoted = engine.dialect.identifier_preparer.quote(database)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for user in users:
            name, host = _account(user)
            params = {"name": name, "host": host}
            if read_only:
                try:
                    conn.execute(text(f"REVOKE {WRITE_PRIVILEGES} ON {quoted}.* FROM :name@:host"), params)
                except (
                    Exception
                ) as error:  # 1141: no such grant on this database (already revoked, or global)
                    if "1141" not in str(error):
                        raise
                ids = conn.execute(
                    text("SELECT id FROM information_schema.processlist WHERE user = :name AND db = :db"),
                    {"name": name, "db": database},
                ).scalars()
                for pid in list(ids):
                    conn.execute(text(f"KILL {int(pid)}"))
            else:
                conn.execute(text(f"GRANT {WRITE_PRIVILEGES} ON {quoted}.* TO :name@:host"), params)
    verb = "revoked from" if read_only else "granted to"
    return f"{WRITE_PRIVILEGES} on {database} {verb} {', '.join(users)}"


def _sqlite(engine: Any, read_only: bool) -> str:
    from sqlalchemy import inspect, text

    tables = [t for t in inspect(engine).get_table_names() if not t.startswith(("awsdms_", "sqlite_"))]
    with engine.begin() as conn:
        for table in tables:
            quoted = '"' + table.replace('"', '""') + '"'
            for op in ("INSERT", "UPDATE", "DELETE"):
                trigger = '"' + f"migration_read_only_{table}_{op.lower()}".replace('"', '""') + '"'
                if read_only:
                    conn.execute(
                        text(
                            f"CREATE TRIGGER IF NOT EXISTS {trigger} BEFORE {op} ON {quoted} BEGIN "
                            "SELECT RAISE(ABORT, 'read-only during the migration cutover'); END"
                        )
                    )
                else:
                    conn.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
    return f"{len(tables)} tables {'read-only (triggers)' if read_only else 'writable again'}"


def set_read_only(address: Any, aws: dict[str, Any], users: list[str], read_only: bool) -> str:
    """Apply (or undo) the read-only step on the database at ``address``; returns what was done."""
    from hooks.databases import create_engine_for, engine_family

    family = engine_family(address.engine)
    engine = create_engine_for(address, aws)
    try:
        if family == "sqlite":
            return _sqlite(engine, read_only)
        action = _pg if family == "postgres" else _mysql
        return action(engine, engine.url.database, list(users), read_only)
    finally:
        engine.dispose()
