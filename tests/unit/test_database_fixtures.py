"""The database fixtures give each test a real, empty, writable database of its own."""

import pytest
from sqlalchemy import create_engine, inspect, text


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
def test_two_databases_of_one_engine_are_distinct(postgres_url, request):
    other = request.getfixturevalue("mariadb_url")
    assert postgres_url.database != other.database
    assert postgres_url.database.startswith("mig_test_")
