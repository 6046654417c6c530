"""Full load in the other directions between the three engines (heterogeneous type mapping)."""

from __future__ import annotations

import pytest

from sandbox.testing import include_all

from .conftest import KEYS_REALISTIC, create_realistic, fetch_loose, run_task

pytestmark = pytest.mark.integration

SCHEMA = {"sqlite": "main", "postgres": "public", "mariadb": None}
PAIRS = [
    ("postgres", "mariadb"),
    ("postgres", "sqlite"),
    ("sqlite", "postgres"),
    ("sqlite", "mariadb"),
    ("mariadb", "sqlite"),
]


@pytest.mark.parametrize(("source_engine", "target_engine"), PAIRS, ids=[f"{s}-{t}" for s, t in PAIRS])
def test_cross_engine_full_load(request, source_engine, target_engine):
    source = request.getfixturevalue(f"{source_engine}_url")
    target = request.getfixturevalue(f"{target_engine}_url_2")
    rows = create_realistic(source, customers=40)
    mappings = include_all(SCHEMA[source_engine] or "%")
    if target_engine == "postgres":
        mappings["rules"].append(
            {
                "rule-type": "transformation",
                "rule-id": "9",
                "rule-name": "public",
                "rule-target": "schema",
                "object-locator": {"schema-name": "%"},
                "rule-action": "rename",
                "value": "public",
            }
        )
    settings = {
        "TargetMetadata": {"LobMaxSize": 64},
        "ValidationSettings": {"EnableValidation": True, "PartitionSize": 25},
    }
    run = run_task(source, target, mappings, settings)
    stats = {s["TableName"]: s for s in run.table_statistics()}
    for table, table_rows in rows.items():
        assert stats[table]["TableState"] == "Table completed", stats[table]
        assert stats[table]["FullLoadRows"] == len(table_rows)
        assert stats[table]["ValidationState"] == ("No primary key" if table == "events" else "Validated"), (
            stats[table]
        )
    for table, key in KEYS_REALISTIC.items():
        src = fetch_loose(source, table, key)
        tgt = fetch_loose(target, table, key, schema="public" if target_engine == "postgres" else None)
        assert src == tgt, table


def test_mariadb_target_without_database_uses_the_schema_name(postgres_url, mariadb_url):
    """A MySQL/MariaDB target endpoint without DatabaseName: one database per (transformed) source schema."""
    create_realistic(postgres_url, customers=10)
    mappings = include_all("public", "tags")
    mappings["rules"].append(
        {
            "rule-type": "transformation",
            "rule-id": "2",
            "rule-name": "db",
            "rule-target": "schema",
            "object-locator": {"schema-name": "public"},
            "rule-action": "rename",
            "value": mariadb_url.database,
        }
    )
    settings = {
        "ValidationSettings": {"EnableValidation": True},
        "ControlTablesSettings": {"ControlSchema": mariadb_url.database},
    }
    run = run_task(postgres_url, mariadb_url.set(database=None), mappings, settings)
    stats = run.table_statistics()[0]
    assert (stats["TableState"], stats["ValidationState"]) == ("Table completed", "Validated")
    assert fetch_loose(postgres_url, "tags", ["code"]) == fetch_loose(mariadb_url, "tags", ["code"])
