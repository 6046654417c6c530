"""Fixtures for the DMS engine tests: pairs of real databases and a realistic schema with data."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    create_engine,
    insert,
    text,
)
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from sandbox.dms.engine import Database, FullLoadRun, TaskInputs, TaskSettings, read_failures
from tests.fixtures.databases import mariadb_database, postgres_database, sqlite_database

pytestmark = pytest.mark.integration


@pytest.fixture
def postgres_url_2() -> Iterator[URL]:
    """A second PostgreSQL database for tests that need two of one engine."""
    yield from postgres_database()


@pytest.fixture
def mariadb_url_2() -> Iterator[URL]:
    yield from mariadb_database()


@pytest.fixture
def sqlite_url_2(tmp_path) -> URL:
    return sqlite_database(tmp_path)


KEYS_REALISTIC = {
    "customers": ["id"],
    "orders": ["customer_id", "order_no"],
    "order_lines": ["customer_id", "order_no", "line"],
    "tags": ["code"],
    "events": ["id", "payload"],
}


def realistic_metadata() -> MetaData:
    md = MetaData()
    Table(
        "customers",
        md,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("name", String(100), nullable=False),
        Column("email", String(200)),
        Column("created_at", DateTime),
        Column("balance", Numeric(12, 2)),
        Column("active", Boolean),
        Column("notes", Text),
        Column("avatar", LargeBinary),
    )
    Table(
        "orders",
        md,
        Column("customer_id", Integer, primary_key=True, autoincrement=False),
        Column("order_no", Integer, primary_key=True, autoincrement=False),
        Column("order_date", Date, nullable=False),
        Column("amount", Numeric(10, 3)),
        Column("status", String(20)),
        Column("shipped_at", DateTime),
    )
    Table(
        "order_lines",
        md,
        Column("customer_id", Integer, primary_key=True, autoincrement=False),
        Column("order_no", Integer, primary_key=True, autoincrement=False),
        Column("line", Integer, primary_key=True, autoincrement=False),
        Column("sku", String(32), nullable=False),
        Column("qty", Integer),
        Column("price", Numeric(9, 2)),
    )
    Table(
        "tags",
        md,
        Column("code", String(16), primary_key=True),
        Column("label", String(100)),
    )
    Table(
        "events",  # no primary key
        md,
        Column("id", Integer),
        Column("payload", Text),
    )
    return md


NAMES = [
    "Zoë Ångström",
    "東京 商事",
    "Ольга",
    'O\'Brien "Quote"',
    "tab\there",
    "line\nbreak",
    "emoji 🚀",
    "back\\slash",
]


def realistic_rows(customers: int = 120) -> dict[str, list[dict[str, Any]]]:
    base = dt.datetime(2024, 1, 2, 3, 4, 5)
    rows: dict[str, list[dict[str, Any]]] = {
        "customers": [],
        "orders": [],
        "order_lines": [],
        "tags": [],
        "events": [],
    }
    for i in range(1, customers + 1):
        rows["customers"].append(
            {
                "id": i,
                "name": f"{NAMES[i % len(NAMES)]} #{i}",
                "email": None if i % 7 == 0 else f"user{i}@example.com",
                "created_at": None if i % 11 == 0 else base + dt.timedelta(days=i, seconds=i * 37),
                "balance": None if i % 13 == 0 else Decimal(f"{i * 17 % 100000}.{i % 100:02d}"),
                "active": None if i % 17 == 0 else bool(i % 2),
                "notes": None if i % 5 == 0 else ("Grüße " * (i * 10))[: 200 + i * 40],
                "avatar": None if i % 4 == 0 else bytes((i + k) % 256 for k in range(100 + i * 30)),
            }
        )
        for o in range(1, 1 + i % 4):
            rows["orders"].append(
                {
                    "customer_id": i,
                    "order_no": o,
                    "order_date": dt.date(2023, 1 + i % 12, 1 + o),
                    "amount": Decimal(f"{i * o}.{(i * 7) % 1000:03d}"),
                    "status": ["new", "paid", "shipped", None][o % 4],
                    "shipped_at": base + dt.timedelta(hours=i * o) if o % 2 else None,
                }
            )
            for line in range(1, 3):
                rows["order_lines"].append(
                    {
                        "customer_id": i,
                        "order_no": o,
                        "line": line,
                        "sku": f"SKU-{i:04d}-{o}-{line}",
                        "qty": line * o,
                        "price": Decimal(f"{line * 3}.{i % 100:02d}"),
                    }
                )
    rows["tags"] = [
        {"code": c, "label": f"label {c} é"} for c in ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"]
    ]
    rows["events"] = [{"id": i % 10, "payload": json.dumps({"n": i})} for i in range(30)]
    return rows


def create_realistic(url: URL, customers: int = 120) -> dict[str, list[dict[str, Any]]]:
    md = realistic_metadata()
    rows = realistic_rows(customers)
    engine = create_engine(url)
    try:
        md.create_all(engine)
        with engine.begin() as conn:
            for name, table_rows in rows.items():
                conn.execute(insert(md.tables[name]), table_rows)
    finally:
        engine.dispose()
    return rows


def _norm(v: Any) -> Any:
    """Comparable form of a value read back through SQLAlchemy from any of the three engines."""
    if isinstance(v, memoryview | bytearray):
        return bytes(v)
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, float):
        return Decimal(str(v)).normalize()
    if isinstance(v, Decimal):
        return v.normalize()
    return v


def fetch_table(url: URL, table: str, key: list[str], schema: str | None = None) -> list[tuple]:
    """All rows of a table, sorted by `key` in Python, read with the test's own SQL (not the engine)."""
    engine = create_engine(url)
    try:
        prep = engine.dialect.identifier_preparer
        name = prep.quote(table) if schema is None else f"{prep.quote(schema)}.{prep.quote(table)}"
        with engine.connect() as conn:
            result = conn.execute(text(f"SELECT * FROM {name}"))
            positions = [list(result.keys()).index(k) for k in key]
            rows = [tuple(_norm(v) for v in row) for row in result]
        # sorted here, not by the database: collations differ between engines
        return sorted(rows, key=lambda r: tuple((r[i] is None, r[i]) for i in positions))
    finally:
        engine.dispose()


def execute(url, *statements: str):
    """Run the SQL statements in one transaction; the rows of the last one that returns rows, if any."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            rows = None
            for statement in statements:
                result = conn.execute(text(statement))
                rows = result.all() if result.returns_rows else rows
            return rows
    finally:
        engine.dispose()


def run_task(
    source: URL,
    target: URL,
    mappings: dict | str,
    settings: dict | None = None,
    task_name: str = "TESTTASK",
    **options: Any,
) -> FullLoadRun:
    """One FullLoadRun prepared and executed (`options`: FullLoadRun's own, e.g. validate_only)."""
    run = FullLoadRun(
        TaskInputs(
            Database(source, "source"),
            Database(target, "target"),
            mappings if isinstance(mappings, str) else json.dumps(mappings),
            TaskSettings.parse(json.dumps(settings or {})),
            task_name,
        ),
        **options,
    )
    try:
        run.prepare()
        run.execute()
    finally:
        run.source.dispose()
        run.target.dispose()
    return run


def to_public() -> dict:
    """MariaDB's databases become schemas on PostgreSQL: this rule puts every table in public instead."""
    return {
        "rule-type": "transformation",
        "rule-id": "2",
        "rule-name": "to-public",
        "rule-target": "schema",
        "object-locator": {"schema-name": "%"},
        "rule-action": "rename",
        "value": "public",
    }


_DATETIME_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}:\d{2}(\.\d+)?)?$")


def loose(v: Any) -> Any:
    """Cross-engine comparable form: SQLite keeps dates as text and decimals as REAL."""
    v = _norm(v)
    if isinstance(v, str) and _DATETIME_TEXT.match(v):
        parsed = dt.datetime.fromisoformat(v)
        return parsed if len(v) > 10 else parsed.date()
    if isinstance(v, dt.datetime):
        return v
    return v


def fetch_loose(url: URL, table: str, key: list[str], schema: str | None = None) -> list[tuple]:
    return [tuple(loose(v) for v in row) for row in fetch_table(url, table, key, schema)]


def failures_of(url: URL, task_name: str | None = None) -> list[dict[str, Any]]:
    """The failures table on `url` (the engine's reader; its connection pool disposed afterwards)."""
    db = Database(url, "target")
    try:
        return read_failures(db, task_name)
    finally:
        db.dispose()


def inspector(url: URL) -> Any:
    """A SQLAlchemy inspector whose engine is already disposed (reflection reconnects, then releases)."""
    from sqlalchemy import inspect
    from sqlalchemy.pool import NullPool

    return inspect(create_engine(url, poolclass=NullPool))
