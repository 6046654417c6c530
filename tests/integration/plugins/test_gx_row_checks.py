"""GX row checks on real databases: SQLite to PostgreSQL, equal tables pass, seeded differences fail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException
from operators.validation import GxRowChecksOperator
from sqlalchemy import create_engine, text

from tests.fixtures.databases import airflow_connection, postgres_url  # noqa: F401 (fixture)

DDL = (
    "CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(20), qty INTEGER, price NUMERIC(9,2))",
    "CREATE TABLE lines (order_id INTEGER NOT NULL, line INTEGER NOT NULL, sku VARCHAR(10), PRIMARY KEY (order_id, line))",
)


def _fill(url: Any, changes: list[str] = ()) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        for ddl in DDL:
            conn.execute(text(ddl))
        conn.execute(
            text("INSERT INTO items VALUES (:i, :n, :q, :p)"),
            [{"i": i, "n": f"n{i}", "q": i % 7, "p": f"{i}.25"} for i in range(1, 201)],
        )
        conn.execute(
            text("INSERT INTO lines VALUES (:o, :l, :s)"),
            [{"o": o, "l": line, "s": f"s{o}-{line}"} for o in range(1, 51) for line in (1, 2)],
        )
        for change in changes:
            conn.execute(text(change))
    engine.dispose()


def _operator(source: dict, target: dict, docs: Path, **kwargs: Any) -> GxRowChecksOperator:
    return GxRowChecksOperator(
        task_id="gx", source=source, target=target, data_docs_dir=str(docs), aws_conn_id=None, **kwargs
    )


@pytest.fixture
def pg_target(postgres_url, monkeypatch):  # noqa: F811
    return postgres_url, airflow_connection(monkeypatch, "gx_target", postgres_url)


def test_equal_tables_pass_and_write_data_docs(tmp_path, pg_target, context):
    _fill(f"sqlite:///{tmp_path / 's.db'}")
    url, target = pg_target
    _fill(url)
    result = _operator(
        {"engine": "sqlite", "database": str(tmp_path / "s.db")},
        target,
        tmp_path / "docs",
        target_schema="public",
        expectations=[
            {
                "table": "items",
                "expectation": "expect_column_values_to_be_between",
                "kwargs": {"column": "qty", "min_value": 0, "max_value": 6},
            }
        ],
        sql_checks=[
            {"table": "items", "name": "no negative price", "query": "SELECT * FROM {batch} WHERE price < 0"}
        ],
    ).execute(context)
    assert result["success"] and result["tables"] == 2 and result["failed"] == 0
    checks = {(r["table"], r["check"]) for r in result["results"]}
    assert ("public.items", "price sum equals the source") in checks
    assert ("public.lines", "key unique") in checks and (
        "public.items",
        "SQL check no negative price",
    ) in checks
    assert ("public.items", "plan expectation") in checks
    assert (tmp_path / "docs" / "index.html").exists() and result["data_docs"].startswith("file://")


def test_seeded_differences_fail_with_a_readable_list_and_xcom_first(tmp_path, context):
    source, target = tmp_path / "s.db", tmp_path / "t.db"
    _fill(f"sqlite:///{source}")
    _fill(
        f"sqlite:///{target}",
        [
            "DELETE FROM items WHERE id = 5",
            "UPDATE items SET qty = qty + 1 WHERE id = 9",
            "UPDATE lines SET sku = 'x' WHERE order_id = 1",
        ],
    )
    with pytest.raises(AirflowFailException) as failed:
        _operator(
            {"engine": "sqlite", "database": str(source)},
            {"engine": "sqlite", "database": str(target)},
            tmp_path / "d",
        ).execute(context)
    message = str(failed.value)
    assert "items: row count (expect_table_row_count_to_equal)" in message
    assert "items: qty sum equals the source" in message
    assert "lines" not in message  # a changed text column does not change any aggregate the suite checks
    pushed = {c.kwargs["key"]: c.kwargs["value"] for c in context["ti"].xcom_push.call_args_list}
    assert pushed["gx_result"]["success"] is False and pushed["gx_result"]["failed"] >= 2
