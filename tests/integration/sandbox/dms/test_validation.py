"""Validation as DMS does it: seeded mismatches are found with their exact keys in the failures table."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from sandbox.testing import include_all

from .conftest import create_realistic, execute, failures_of, run_task

pytestmark = pytest.mark.integration

VALIDATE = {"ValidationSettings": {"EnableValidation": True, "PartitionSize": 7, "ThreadCount": 3}}


@pytest.fixture(params=["sqlite", "postgres", "mariadb"])
def same_engine_pair(request):
    first = request.getfixturevalue(f"{request.param}_url")
    second = request.getfixturevalue(f"{request.param}_url_2")
    return request.param, first, second


def _validate_only(source, target, settings, task="TESTTASK", mappings=None):
    return run_task(source, target, mappings or include_all("%", "%"), settings, task, validate_only=True)


def test_seeded_mismatches_are_reported_with_their_keys(same_engine_pair):
    engine, source, target = same_engine_pair
    create_realistic(source, customers=60)
    run_task(source, target, include_all("public" if engine == "postgres" else "%"))  # load, no validation
    schema = "public." if engine == "postgres" else ""
    execute(
        target,
        f"UPDATE {schema}customers SET name = 'tampered' WHERE id = 17",
        f"DELETE FROM {schema}order_lines WHERE customer_id = 6 AND order_no = 2 AND line = 1",
        f"INSERT INTO {schema}tags (code, label) VALUES ('intruder', 'not in source')",
        f"UPDATE {schema}orders SET amount = amount + 1 WHERE customer_id = 9 AND order_no = 1",
    )

    run = _validate_only(source, target, VALIDATE, task="SEEDED")
    stats = {s["TableName"]: s for s in run.table_statistics()}
    assert stats["customers"]["ValidationState"] == "Mismatched records"
    assert stats["customers"]["ValidationFailedRecords"] == 1
    assert stats["order_lines"]["ValidationFailedRecords"] == 1
    assert stats["tags"]["ValidationFailedRecords"] == 1
    assert stats["orders"]["ValidationFailedRecords"] == 1
    assert stats["events"]["ValidationState"] == "No primary key"

    failures = failures_of(target, "SEEDED")
    found = {(f["TABLE_NAME"], f["FAILURE_TYPE"], tuple(f["KEY"]["key"])) for f in failures}
    assert found == {
        ("customers", "RECORD_DIFF", ("17",)),
        ("order_lines", "MISSING_TARGET", ("6", "2", "1")),
        ("tags", "MISSING_SOURCE", ("intruder",)),
        ("orders", "RECORD_DIFF", ("9", "1")),
    }
    diff = next(f for f in failures if f["TABLE_NAME"] == "customers")
    assert diff["KEY_TYPE"] == "Row"
    assert diff["DETAILS"]["diff"][0]["column"] == "name"
    assert diff["DETAILS"]["diff"][0]["target"] == "tampered"
    if engine == "postgres":  # DMS's control schema
        engine = create_engine(target)
        with engine.connect() as conn:
            count = conn.execute(
                text(
                    "SELECT count(*) FROM awsdms_control.awsdms_validation_failures_v1 WHERE \"TASK_NAME\" = 'SEEDED'"
                )
            ).scalar()
        engine.dispose()
        assert count == 4


def test_table_failure_max_count_suspends(sqlite_url, sqlite_url_2):
    create_realistic(sqlite_url, customers=60)
    run_task(sqlite_url, sqlite_url_2, include_all("%", "customers"))
    execute(sqlite_url_2, "UPDATE customers SET email = 'x' WHERE id <= 20")
    settings = {
        "ValidationSettings": {
            "EnableValidation": True,
            "PartitionSize": 5,
            "ThreadCount": 1,
            "TableFailureMaxCount": 3,
        }
    }
    run = _validate_only(sqlite_url, sqlite_url_2, settings)
    stats = {s["TableName"]: s for s in run.table_statistics()}["customers"]
    assert stats["ValidationFailedRecords"] == 3
    assert stats["ValidationState"] == "Suspended records"
    assert stats["ValidationSuspendedRecords"] > 0
    assert len(failures_of(sqlite_url_2)) == 3


def test_collation_difference_is_visible_unless_handled(mariadb_url, postgres_url):
    execute(
        mariadb_url,
        "CREATE TABLE codes (code varchar(10) PRIMARY KEY, n int)",
        "INSERT INTO codes VALUES ('a', 1), ('B', 2), ('c', 3), ('D', 4)",
    )
    rename = {
        "rule-type": "transformation",
        "rule-id": "2",
        "rule-name": "public",
        "rule-target": "schema",
        "object-locator": {"schema-name": "%"},
        "rule-action": "rename",
        "value": "public",
    }
    mappings = include_all()
    mappings["rules"].append(rename)
    base = {"EnableValidation": True, "PartitionSize": 1, "ThreadCount": 2}
    plain = run_task(mariadb_url, postgres_url, mappings, {"ValidationSettings": base}, task_name="PLAIN")
    assert plain.table_statistics()[0]["ValidationState"] == "Mismatched records"  # ci vs "C" ordering
    handled = run_task(
        mariadb_url,
        postgres_url,
        mappings,
        {"ValidationSettings": base | {"HandleCollationDiff": True}},
        task_name="HANDLED",
    )
    assert handled.table_statistics()[0]["ValidationState"] == "Validated"
    assert failures_of(postgres_url, "HANDLED") == []


def test_float_precision_is_compared_at_the_target_type(sqlite_url, postgres_url):
    import sqlite3

    conn = sqlite3.connect(sqlite_url.database)
    conn.execute("CREATE TABLE m (id INTEGER PRIMARY KEY, v REAL)")
    conn.executemany("INSERT INTO m VALUES (?, ?)", [(i, i / 3 + 1e-9) for i in range(1, 50)])
    conn.commit()
    conn.close()
    mappings = include_all("main", "m")
    mappings["rules"] += [
        {
            "rule-type": "transformation",
            "rule-id": "2",
            "rule-name": "real4",
            "rule-target": "column",
            "object-locator": {"schema-name": "main", "table-name": "m", "column-name": "v"},
            "rule-action": "change-data-type",
            "data-type": {"type": "real4"},
        },
        {
            "rule-type": "transformation",
            "rule-id": "3",
            "rule-name": "public",
            "rule-target": "schema",
            "object-locator": {"schema-name": "main"},
            "rule-action": "rename",
            "value": "public",
        },
    ]
    # float4 keeps ~7 digits: the raw values differ, compared as REAL4 (6 significant digits) they match
    run = run_task(sqlite_url, postgres_url, mappings, VALIDATE, task_name="FLOATS")
    assert run.table_statistics()[0]["ValidationState"] == "Validated"
    execute(postgres_url, "UPDATE public.m SET v = v * 1.001 WHERE id = 30")  # a real difference
    _validate_only(sqlite_url, postgres_url, VALIDATE, task="FLOATS", mappings=mappings)
    failures = failures_of(postgres_url, "FLOATS")
    assert [(f["FAILURE_TYPE"], f["KEY"]["key"]) for f in failures] == [("RECORD_DIFF", ["30"])]


def test_validation_only_setting_compares_without_loading(sqlite_url, sqlite_url_2):
    create_realistic(sqlite_url, customers=20)
    run_task(sqlite_url, sqlite_url_2, include_all("main", "customers"))
    execute(sqlite_url_2, "DELETE FROM customers WHERE id = 3")
    settings = {"ValidationSettings": {"EnableValidation": True, "ValidationOnly": True}}
    run = run_task(sqlite_url, sqlite_url_2, include_all("main", "customers"), settings, task_name="VONLY")
    stats = run.table_statistics()[0]
    assert stats["FullLoadRows"] == 0 and stats["ValidationState"] == "Mismatched records"
    failures = failures_of(sqlite_url_2, "VONLY")
    assert [(f["FAILURE_TYPE"], f["KEY"]["key"]) for f in failures] == [("MISSING_TARGET", ["3"])]
