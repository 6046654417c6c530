"""Full load with the default task settings (plus validation) of schemas that use the types a user's sample
schema has: SET, ENUM, YEAR, CHAR(n), unsigned, BOOLEAN (MariaDB); domains, enums, arrays, tsvector, CHAR(n),
partitioned tables (PostgreSQL); every direction out of each, and a new target schema created by 8 subtasks."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from .conftest import execute, inspector, run_task

pytestmark = pytest.mark.integration

MARIADB_DDL = [
    "CREATE TABLE film (id int unsigned PRIMARY KEY, rating enum('G','PG','PG-13','R','NC-17'), "
    "features set('Trailers','Commentaries','Deleted Scenes','Behind the Scenes'), "
    "released year, code char(5), active boolean, length smallint unsigned, rate decimal(4,2))",
    "INSERT INTO film VALUES (1, 'PG', 'Trailers,Deleted Scenes,Behind the Scenes', 2006, 'ab', 1, 86, 0.99), "
    "(2, 'NC-17', '', 1999, 'abcde', 0, 65535, 4.99), (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL), "
    "(4, 'G', 'Trailers,Commentaries,Deleted Scenes,Behind the Scenes', 2155, 'x', 1, 0, 2.00)",
]
POSTGRES_DDL = [
    "CREATE DOMAIN year_t AS integer CHECK (VALUE BETWEEN 1901 AND 2155)",
    "CREATE TYPE mpaa AS ENUM ('G', 'PG', 'PG-13', 'R', 'NC-17')",
    "CREATE TABLE film (id int PRIMARY KEY, released year_t, rating mpaa, features text[], "
    "fulltext tsvector, code char(5), active boolean)",
    "INSERT INTO film VALUES (1, 2006, 'PG', '{Trailers,\"Deleted Scenes\"}', to_tsvector('a fine film'), 'ab', true), "
    "(2, 1999, 'NC-17', '{}', NULL, 'abcde', false), (3, NULL, NULL, NULL, NULL, NULL, NULL)",
    "CREATE TABLE payment (id int, paid date, amount numeric(5,2), PRIMARY KEY (id, paid)) PARTITION BY RANGE (paid)",
    "CREATE TABLE payment_2022 PARTITION OF payment FOR VALUES FROM ('2022-01-01') TO ('2023-01-01')",
    "CREATE TABLE payment_2023 PARTITION OF payment FOR VALUES FROM ('2023-01-01') TO ('2024-01-01')",
    "INSERT INTO payment VALUES (1, '2022-05-01', 1.99), (2, '2023-02-03', 2.99), (3, '2023-07-08', 0.99)",
]
VALIDATE = {"ValidationSettings": {"EnableValidation": True}}


def _rows(url, table, schema=None):
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            name = f'"{schema}".{table}' if schema else table
            return [tuple(r) for r in conn.execute(text(f"SELECT * FROM {name} ORDER BY 1"))]
    finally:
        engine.dispose()


def _mappings(schema: str, rename: str | None = None) -> dict:
    rules = [
        {"rule-type": "selection", "rule-id": "1", "rule-name": "all",
         "object-locator": {"schema-name": schema, "table-name": "%"}, "rule-action": "include"}
    ]  # fmt: skip
    if rename:
        rules.append(
            {"rule-type": "transformation", "rule-id": "2", "rule-name": "s", "rule-target": "schema",
             "object-locator": {"schema-name": "%"}, "rule-action": "rename", "value": rename}
        )  # fmt: skip
    return {"rules": rules}


def _assert_completed_and_validated(run, tables):
    stats = {s["TableName"]: s for s in run.table_statistics()}
    assert not run.errors, run.errors
    for table in tables:
        assert stats[table]["TableState"] == "Table completed", stats[table]
        assert stats[table]["ValidationState"] == "Validated", stats[table]


@pytest.mark.parametrize("target_kind", ["postgres", "sqlite"])
def test_mariadb_sample_types_load_and_validate(request, mariadb_url, target_kind):
    target = request.getfixturevalue(f"{target_kind}_url")
    execute(mariadb_url, *MARIADB_DDL)
    run = run_task(
        mariadb_url, target, _mappings("%", "public" if target_kind == "postgres" else None), VALIDATE
    )
    _assert_completed_and_validated(run, ["film"])
    rows = _rows(target, "film")
    assert rows[0][2] == "Trailers,Deleted Scenes,Behind the Scenes"  # SET: every member fits
    assert rows[0][4] == "ab" and rows[0][3] == 2006  # CHAR(5) as on the source (MariaDB strips the padding)
    assert rows[1][6] == 65535  # smallint unsigned widened
    if target_kind == "postgres":
        columns = {c["name"]: str(c["type"]) for c in inspector(target).get_columns("film", schema="public")}
        assert columns["features"] == "VARCHAR(54)" and columns["active"] == "SMALLINT"  # tinyint(1): INT1


@pytest.mark.parametrize("target_kind", ["postgres", "mariadb", "sqlite"])
def test_postgres_sample_types_load_and_validate(request, postgres_url, target_kind):
    target = request.getfixturevalue(f"{target_kind}_url" if target_kind != "postgres" else "postgres_url_2")
    execute(postgres_url, *POSTGRES_DDL)
    run = run_task(postgres_url, target, _mappings("public"), VALIDATE)
    _assert_completed_and_validated(run, ["film", "payment"])
    film = _rows(target, "film")
    assert film[0][1] == 2006 and film[0][5] == "ab"  # domain over integer: an integer; CHAR(5): no padding
    assert film[0][2] == "PG" and film[0][3] == '{Trailers,"Deleted Scenes"}'  # enum as text, array as text
    assert [r[0] for r in _rows(target, "payment")] == [1, 2, 3]  # the partitioned table's rows once
    if target_kind == "postgres":
        columns = {c["name"]: str(c["type"]) for c in inspector(target).get_columns("film", schema="public")}
        assert columns["released"] == "INTEGER" and columns["code"] == "VARCHAR(5)"


def test_eight_subtasks_create_one_new_target_schema(mariadb_url, postgres_url):
    """MaxFullLoadSubTasks 8 (the default), a MariaDB database → a PostgreSQL schema that does not exist yet."""
    statements = []
    for i in range(12):
        statements += [
            f"CREATE TABLE t{i} (id int PRIMARY KEY, v varchar(10))",
            f"INSERT INTO t{i} VALUES (1, 'a')",
        ]
    execute(mariadb_url, *statements)
    run = run_task(mariadb_url, postgres_url, _mappings("%"))
    assert not run.errors, run.errors
    assert run.task_stats()["TablesLoaded"] == 12
    assert _rows(postgres_url, "t11", schema=mariadb_url.database) == [(1, "a")]
