"""Turning a plan and a world file into a rehearsal: local databases, a sandbox config, a rewritten plan.

The rewritten plan is the user's plan pointed at the local world: the AWS connection is the sandbox's,
each endpoint's host/port/database is the local one (SQLite: the file), the credentials are a secret the
rehearsal creates in the sandbox (for endpoints with secret_arn) or an Airflow connection (conn_id), table
mappings are inlined with the source schema renamed to the local database's, the gates notify the SNS
topics made in the sandbox (e-mail targets are left out: no mail is sent). Nothing here starts a process.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

from devstack.world import LocalDatabase, WorldFile

ADMIN_URLS = {"postgres": "postgresql+psycopg2", "mariadb": "mysql+pymysql"}


def local_url(db: LocalDatabase, base: Path, database: str | None = None) -> Any:
    from sqlalchemy.engine import URL

    if db.engine == "sqlite":
        return URL.create("sqlite", database=str((base / db.file).resolve()))
    password = os.environ.get(db.password_env) if db.password_env else None
    return URL.create(
        ADMIN_URLS[db.engine],
        username=db.effective_username,
        password=password,
        host=db.host,
        port=db.effective_port,
        database=database if database is not None else db.database,
    )


def create_database(db: LocalDatabase, base: Path) -> None:
    """The local database, created when missing (SQLite: its folder)."""
    from sqlalchemy import create_engine, text

    if db.engine == "sqlite":
        (base / db.file).resolve().parent.mkdir(parents=True, exist_ok=True)
        return
    admin_db = "postgres" if db.engine == "postgres" else "mysql"
    engine = create_engine(local_url(db, base, admin_db), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if db.engine == "postgres":
            if not conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": db.database}
            ).first():
                conn.execute(text(f'CREATE DATABASE "{db.database}"'))
        else:
            conn.execute(text(f"CREATE DATABASE IF NOT EXISTS `{db.database}` CHARACTER SET utf8mb4"))
    engine.dispose()


def create_app_users(db: LocalDatabase, base: Path, users: list[str]) -> None:
    """MariaDB: the plan's read_only_users exist with write privileges (the cutover revokes, rollback grants)."""
    import secrets

    from sqlalchemy import create_engine, text

    if db.engine != "mariadb" or not users:
        return
    engine = create_engine(local_url(db, base), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for user in users:
            name, _, host = user.partition("@")
            account = {"n": name, "h": host or "%"}
            conn.execute(
                text("CREATE USER IF NOT EXISTS :n@:h IDENTIFIED BY :p"),
                {**account, "p": secrets.token_urlsafe(16)},
            )
            conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON `{db.database}`.* TO :n@:h"), account)
    engine.dispose()


SAMPLE_DDL = (
    "CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, name VARCHAR(60) NOT NULL, balance NUMERIC(12,2))",
    "CREATE TABLE orders (order_id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL, total NUMERIC(10,2), "
    "status VARCHAR(12))",
)


def seed_sample(db: LocalDatabase, base: Path, rows: int = 1000) -> None:
    """Two small tables with rows (customers, orders), replaced if present."""
    from sqlalchemy import create_engine, text

    engine = create_engine(local_url(db, base))
    with engine.begin() as conn:
        for table in ("orders", "customers"):
            conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
        for ddl in SAMPLE_DDL:
            conn.execute(text(ddl))
        conn.execute(
            text("INSERT INTO customers VALUES (:i, :n, :b)"),
            [
                {"i": i, "n": f"customer {i}", "b": f"{i * 7 % 1000}.{i % 100:02d}"}
                for i in range(1, rows // 4 + 1)
            ],
        )
        conn.execute(
            text("INSERT INTO orders VALUES (:i, :c, :t, :s)"),
            [
                {
                    "i": i,
                    "c": 1 + i % (rows // 4),
                    "t": f"{i % 500}.{i % 100:02d}",
                    "s": ("new", "paid")[i % 2],
                }
                for i in range(1, rows + 1)
            ],
        )
    engine.dispose()


def sandbox_config(plan: Any, world: WorldFile) -> dict[str, Any]:
    """The plan's source servers (fixed ids) and Route 53 zones (fixed ids, records at the sources)."""
    servers, zones = [], {}
    for wave in plan.waves:
        for server in wave.servers:
            extra = world.servers.get(server.hostname)
            entry: dict[str, Any] = {"hostname": server.hostname, "source_server_id": server.source_server_id}
            if server.dns:
                entry["fqdn"] = server.dns.name.rstrip(".")
                zone = zones.setdefault(server.dns.zone_id, {"id": server.dns.zone_id, "records": []})
                zone["records"].append({"name": entry["fqdn"], "source": server.hostname})
            if extra:
                entry["disks"] = [{"device": "/dev/sda", "size_mb": extra.disk_mb}]
                entry["app"] = extra.app
                if extra.files is not None:
                    entry["files"] = [f.model_dump(exclude_none=True) for f in extra.files]
            servers.append(entry)
    for db in plan.databases:
        switch = db.cutover.address_switch
        if switch and switch.route53:
            r = switch.route53
            zone = zones.setdefault(r.zone_id, {"id": r.zone_id, "records": []})
            zone["records"].append(
                {"name": r.name.rstrip("."), "type": r.type, "values": ["source.db.local"]}
            )
    for zone in zones.values():
        zone["name"] = zone_name([rec["name"] for rec in zone["records"]])
    return {"source_servers": servers, "dns_zones": list(zones.values())}


def zone_name(names: list[str]) -> str:
    """The longest common domain of the record names, one label short of the shortest name."""
    labels = [n.rstrip(".").split(".")[::-1] for n in names]
    shortest = min(len(parts) for parts in labels)
    common: list[str] = []
    for parts in zip(*labels, strict=False):
        if len(set(parts)) != 1 or len(common) == shortest - 1:
            break
        common.append(parts[0])
    return ".".join(common[::-1]) or "rehearsal.local"


def _endpoint(ep: dict[str, Any], local: LocalDatabase, base: Path, secret_arn: str | None) -> dict[str, Any]:
    out = {k: v for k, v in ep.items() if k in ("extra_connection_attributes", "holds_data")}
    if local.engine == "sqlite":
        return {**out, "engine": "sqlite", "database": str((base / local.file).resolve())}
    engine = (
        ep["engine"]
        if ep["engine"] not in ("sqlite",)
        else {"postgres": "postgres", "mariadb": "mariadb"}[local.engine]
    )
    out.update(
        {"engine": engine, "host": local.host, "port": local.effective_port, "database": local.database}
    )
    if secret_arn:
        out["secret_arn"] = secret_arn
    else:
        out["conn_id"] = ep.get("conn_id") or "rehearsal_db"
    return out


def secret_value(local: LocalDatabase) -> str:
    """The secret DMS and the tasks read (DMS's format); the password from password_env, never written down."""
    return json.dumps(
        {
            "username": local.effective_username,
            "password": os.environ.get(local.password_env, "") if local.password_env else "",
            "host": local.host,
            "port": local.effective_port,
            "dbname": local.database,
        }
    )


def rehearsal_plan(
    data: dict[str, Any], mappings: dict[str, list], world: WorldFile, base: Path, secrets: dict[tuple, str]
) -> dict[str, Any]:
    """The plan pointed at the local world. ``secrets``: what the rehearsal made in the sandbox, by key:
    (database, side) -> secret ARN, ("sns", plan's topic ARN) -> topic ARN, ("server", hostname) -> the
    address the sandbox's source server answers on (the plan's source_ip is not reachable locally)."""
    plan = copy.deepcopy(data)
    for wave in plan.get("waves") or []:
        for server in wave.get("servers") or []:
            if ("server", server["hostname"]) in secrets:
                server["source_ip"] = secrets[("server", server["hostname"])]
    plan["plan"]["aws_conn_id"] = "aws_sandbox"
    # SNS topics are the sandbox's; e-mail is not sent in a rehearsal (no mail server: said at the start)
    plan["plan"]["notify"] = [
        {**n, "target": secrets.get(("sns", n["target"]), n["target"])}
        for n in plan["plan"].get("notify") or []
        if n.get("type") == "sns"
    ]
    for db in plan.get("databases", []):
        local = world.databases[db["name"]]
        schema = db["source"]["database"]
        for side in ("source", "target"):
            db[side] = _endpoint(db[side], getattr(local, side), base, secrets.get((db["name"], side)))
        rules = copy.deepcopy(mappings.get(db["name"], []))
        for rule in rules:
            locator = rule.get("object-locator") or {}
            if locator.get("schema-name") == schema:
                locator["schema-name"] = "%" if local.source.engine == "sqlite" else local.source.database
        db["table_mappings"] = {"rules": rules}
    return plan
