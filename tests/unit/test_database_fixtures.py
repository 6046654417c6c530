"""The database fixtures give each test a real, empty, writable database of its own."""

import pytest
from sqlalchemy import create_engine, inspect, text

from tests.fixtures.databases import MARIADB_ADMIN_URL, POSTGRES_ADMIN_URL, _server_database


@pytest.mark.integration
def test_each_engine_gives_an_empty_writable_database(any_database_url):
    engine = create_engine(any_database_url)
    try:
        assert inspect(engine).get_table_names() == []
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE probe (id INTEGER PRIMARY KEY, note VARCHAR(20))"))
            conn.execute(text("INSERT INTO probe VALUES (1, 'ünïcode')"))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT note FROM probe WHERE id = 1")).scalar_one() == "ünïcode"
    finally:
        engine.dispose()


@pytest.mark.integration
@pytest.mark.parametrize(
    "admin_url, create, drop, listing",
    [
        (
            POSTGRES_ADMIN_URL,
            'CREATE DATABASE "{name}"',
            'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
            "SELECT datname FROM pg_database",
        ),
        (MARIADB_ADMIN_URL, "CREATE DATABASE `{name}`", "DROP DATABASE IF EXISTS `{name}`", "SHOW DATABASES"),
    ],
    ids=["postgres", "mariadb"],
)
def test_server_databases_are_unique_and_dropped_afterwards(admin_url, create, drop, listing):
    first = _server_database(admin_url, "mig_test", create, drop)
    second = _server_database(admin_url, "mig_test", create, drop)
    url_a, url_b = next(first), next(second)
    assert url_a.database != url_b.database and url_a.database.startswith("mig_test_")
    for generator in (first, second):
        with pytest.raises(StopIteration):
            next(generator)  # runs the teardown: DROP DATABASE
    admin = create_engine(admin_url)
    try:
        with admin.connect() as conn:
            names = set(conn.execute(text(listing)).scalars())
    finally:
        admin.dispose()
    assert url_a.database not in names and url_b.database not in names
