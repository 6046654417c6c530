"""Full load of a realistic schema between engines, checked row by row with the test's own queries."""

from __future__ import annotations

import pytest

from sandbox.testing import include_all

from .conftest import KEYS_REALISTIC, create_realistic, fetch_table, run_task, to_public

pytestmark = pytest.mark.integration

SETTINGS = {
    "TargetMetadata": {"LobMaxSize": 64},  # KB: every LOB in the data fits
    "ValidationSettings": {"EnableValidation": True, "PartitionSize": 50, "ThreadCount": 3},
    "FullLoadSettings": {"CommitRate": 100, "MaxFullLoadSubTasks": 3},
}


def _check_equal(source, target, target_schema=None):
    for table, key in KEYS_REALISTIC.items():
        src = fetch_table(source, table, key)
        tgt = fetch_table(target, table, key, schema=target_schema)
        assert len(src) == len(tgt), table
        for s, t in zip(src, tgt, strict=True):
            assert s == t, (table, s, t)


def _check_stats(run, rows):
    stats = {s["TableName"]: s for s in run.table_statistics()}
    assert set(stats) == set(KEYS_REALISTIC)
    for table in KEYS_REALISTIC:
        assert stats[table]["TableState"] == "Table completed"
        assert stats[table]["FullLoadRows"] == len(rows[table])
        expected = "No primary key" if table == "events" else "Validated"
        assert stats[table]["ValidationState"] == expected, stats[table]
        assert stats[table]["ValidationFailedRecords"] == 0
    task = run.task_stats()
    assert task["FullLoadProgressPercent"] == 100
    assert task["TablesLoaded"] == 5 and task["TablesErrored"] == 0 and task["TablesQueued"] == 0


@pytest.mark.parametrize(("engine", "schema"), [("sqlite", None), ("postgres", "public"), ("mariadb", None)])
def test_same_engine_full_load(request, engine, schema):
    source, target = request.getfixturevalue(f"{engine}_url"), request.getfixturevalue(f"{engine}_url_2")
    rows = create_realistic(source)
    run = run_task(source, target, include_all(schema or "%"), SETTINGS)
    _check_stats(run, rows)
    _check_equal(source, target, target_schema=schema)


def test_mariadb_to_postgres(mariadb_url, postgres_url):
    rows = create_realistic(mariadb_url)
    mappings = include_all()
    mappings["rules"].append(to_public())
    run = run_task(mariadb_url, postgres_url, mappings, SETTINGS)
    _check_stats(run, rows)
    _check_equal(mariadb_url, postgres_url, target_schema="public")
