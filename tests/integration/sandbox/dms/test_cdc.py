"""CDC against real databases: steady load with a full-load handoff, stop positions, hygiene, faults."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from sandbox.dms.engine.cdc import CdcOptions, Faults

from .cdc_helpers import PAIRS, full_load, make_cdc, mappings_for, tables_of, task_name, wait_converged
from .cdc_workload import Workload
from .conftest import execute

pytestmark = pytest.mark.integration


def _urls(request, source_kind: str, target_kind: str):
    source = request.getfixturevalue(f"{source_kind}_url")
    target = request.getfixturevalue(
        f"{target_kind}_url" if target_kind != source_kind else f"{target_kind}_url_2"
    )
    return source, target


@pytest.mark.parametrize(("source_kind", "target_kind"), PAIRS, ids=["-".join(p) for p in PAIRS])
def test_steady_load_through_the_handoff_converges_exactly(request, tmp_path, source_kind, target_kind):
    """Writes run before, during and after the full load; the target ends equal to the source, row by row."""
    source, target = _urls(request, source_kind, target_kind)
    workload = Workload(source)
    workload.create(rows=2000 if source_kind == "postgres" else 300)
    mappings = mappings_for(source_kind, target_kind)
    run = make_cdc(source, target, str(tmp_path / "spool.db"), mappings)
    stop = threading.Event()
    writer = threading.Thread(target=workload.run, args=(60, 300, stop))  # until `stop`
    try:
        writer.start()
        time.sleep(0.3)
        full_load(run, mappings)
        run.start()
        time.sleep(1.5)  # writes go on while CDC runs
        stop.set()
        writer.join()
        assert workload.error is None, workload.error
        wait_converged(source, target, run=run)
        counts = run.table_counts()
        assert (
            sum(c["AppliedInserts"] + c["AppliedUpdates"] + c["AppliedDeletes"] for c in counts.values()) > 0
        )
        assert all(c["Inserts"] == c["AppliedInserts"] for c in counts.values())
        metrics = run.metrics()
        assert metrics["CDCIncomingChanges"] == 0 and metrics["CDCLatencyTarget"] == 0
    finally:
        stop.set()
        writer.join()
        run.drop()
        workload.dispose()


def test_stop_at_commit_time_applies_exactly_what_committed_before(postgres_url, mariadb_url, tmp_path):
    execute(postgres_url, "CREATE TABLE t (id int PRIMARY KEY, v text)")
    mappings, task, spool = mappings_for("postgres", "mariadb"), task_name(), str(tmp_path / "s.db")
    first = make_cdc(postgres_url, mariadb_url, spool, mappings, task=task)
    first.ensure_position()  # the task's slot exists before the first write
    first.spool.close()
    execute(
        postgres_url,
        "INSERT INTO t VALUES (1, 'before'), (2, 'before')",
        "UPDATE t SET v = 'b2' WHERE id = 2",
    )
    stamp = datetime.fromtimestamp(first.capture.server_time() + 1, UTC).replace(microsecond=0)
    while first.capture.server_time() < stamp.timestamp() + 0.2:
        time.sleep(0.1)
    execute(postgres_url, "INSERT INTO t VALUES (3, 'after')", "DELETE FROM t WHERE id = 1")
    # the same task with CdcStopPosition set (ModifyReplicationTask), then resumed from its position
    stop = f"commit_time:{stamp:%Y-%m-%dT%H:%M:%S}"
    run = make_cdc(
        postgres_url, mariadb_url, spool, mappings, task=task, options=CdcOptions(stop_position=stop)
    )
    try:
        run.start()
        assert run.wait(20), "the task did not stop at its stop position"
        assert run.stop_reason == "STOPPED_AT_COMMIT_TIME" and not run.error
        assert tables_of(mariadb_url, {"t": ["id"]})["t"] == [(1, "before"), (2, "b2")]
    finally:
        run.drop()


def _slot(url, name, column="slot_name"):
    """A column of the replication slot `name` (None when there is no such slot): a janitor's plain query."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(
                text(f"SELECT {column} FROM pg_replication_slots WHERE slot_name = :n"), {"n": name}
            ).scalar()
    finally:
        engine.dispose()


def test_stop_keeps_the_slot_and_delete_drops_it(postgres_url, sqlite_url, tmp_path):
    execute(postgres_url, "CREATE TABLE t (id int PRIMARY KEY)")
    task = task_name()
    run = make_cdc(
        postgres_url, sqlite_url, str(tmp_path / "s.db"), mappings_for("postgres", "sqlite"), task=task
    )
    run.start()
    execute(postgres_url, "INSERT INTO t VALUES (1)")
    run.stop()
    assert run.stop_reason == "NORMAL"
    slot = run.capture.slot
    assert _slot(postgres_url, slot) == slot  # a janitor finds it with a plain query
    run.drop()
    assert _slot(postgres_url, slot) is None


def test_sqlite_triggers_are_dropped_with_the_task(sqlite_url, sqlite_url_2, tmp_path):
    execute(sqlite_url, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    run = make_cdc(sqlite_url, sqlite_url_2, str(tmp_path / "s.db"), mappings_for("sqlite", "sqlite"))
    run.start()
    execute(sqlite_url, "INSERT INTO t VALUES (1, 'a')", "UPDATE t SET v = 'b'")
    deadline = time.monotonic() + 10
    while tables_of(sqlite_url_2, {"t": ["id"]})["t"] != [(1, "b")] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert tables_of(sqlite_url_2, {"t": ["id"]})["t"] == [(1, "b")]
    run.drop()
    engine = create_engine(sqlite_url, poolclass=NullPool)
    with engine.connect() as conn:
        leftovers = conn.execute(text("SELECT name FROM sqlite_master WHERE name LIKE 'awsdms%'")).all()
    engine.dispose()
    assert leftovers == []


def test_transformations_and_filters_apply_to_changes(sqlite_url, sqlite_url_2, tmp_path):
    execute(sqlite_url, "CREATE TABLE src (id INTEGER PRIMARY KEY, name TEXT, secret TEXT, region TEXT)")
    mappings = mappings_for("sqlite", "sqlite")
    mappings["rules"][0]["filters"] = [
        {
            "filter-type": "source",
            "column-name": "region",
            "filter-conditions": [{"filter-operator": "eq", "value": "eu"}],
        }
    ]
    mappings["rules"] += [
        {"rule-type": "transformation", "rule-id": "3", "rule-name": "t", "rule-target": "table",
         "object-locator": {"schema-name": "%", "table-name": "src"}, "rule-action": "rename", "value": "dst"},
        {"rule-type": "transformation", "rule-id": "4", "rule-name": "c", "rule-target": "column",
         "object-locator": {"schema-name": "%", "table-name": "src", "column-name": "name"},
         "rule-action": "rename", "value": "full_name"},
        {"rule-type": "transformation", "rule-id": "5", "rule-name": "r", "rule-target": "column",
         "object-locator": {"schema-name": "%", "table-name": "src", "column-name": "secret"},
         "rule-action": "remove-column"},
    ]  # fmt: skip
    run = make_cdc(sqlite_url, sqlite_url_2, str(tmp_path / "s.db"), mappings)
    try:
        run.start()
        execute(
            sqlite_url,
            "INSERT INTO src VALUES (1, 'Ann', 'x', 'eu'), (2, 'Bob', 'y', 'us'), (3, 'Cy', 'z', 'eu')",
            "UPDATE src SET region = 'us' WHERE id = 3",  # leaves the filter: gone from the target
            "UPDATE src SET name = 'Ann B' WHERE id = 1",
        )
        want = [(1, "Ann B", "eu")]
        deadline = time.monotonic() + 10
        while tables_of(sqlite_url_2, {"dst": ["id"]})["dst"] != want and time.monotonic() < deadline:
            time.sleep(0.1)
        assert tables_of(sqlite_url_2, {"dst": ["id"]})["dst"] == want
    finally:
        run.drop()


def test_apply_slower_than_arrival_grows_target_latency(sqlite_url, sqlite_url_2, tmp_path):
    execute(sqlite_url, "CREATE TABLE t (id INTEGER PRIMARY KEY)")
    faults = Faults(apply_delay_seconds=0.2)
    run = make_cdc(
        sqlite_url, sqlite_url_2, str(tmp_path / "s.db"), mappings_for("sqlite", "sqlite"), faults=faults
    )
    try:
        run.start()
        for i in range(40):
            execute(sqlite_url, f"INSERT INTO t VALUES ({i})")
            time.sleep(0.02)
        deadline = time.monotonic() + 10
        while run.metrics()["CDCLatencyTarget"] < 0.3 and time.monotonic() < deadline:
            time.sleep(0.05)
        metrics = run.metrics()
        assert metrics["CDCIncomingChanges"] > 0 and metrics["CDCLatencyTarget"] >= 0.3
        faults.apply_delay_seconds = 0
        deadline = time.monotonic() + 10
        while run.metrics()["CDCIncomingChanges"] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert run.metrics()["CDCLatencyTarget"] == 0
        assert len(tables_of(sqlite_url_2, {"t": ["id"]})["t"]) == 40
    finally:
        run.drop()


def test_source_unreachable_for_a_while_then_catches_up(sqlite_url, sqlite_url_2, tmp_path):
    execute(sqlite_url, "CREATE TABLE t (id INTEGER PRIMARY KEY)")
    faults = Faults(source_unreachable=True)
    run = make_cdc(
        sqlite_url, sqlite_url_2, str(tmp_path / "s.db"), mappings_for("sqlite", "sqlite"), faults=faults
    )
    try:
        run.start()
        execute(sqlite_url, "INSERT INTO t VALUES (1), (2)")
        time.sleep(0.5)
        assert "unreachable" in run.recoverable_error and not run.error
        assert tables_of(sqlite_url_2, {"t": ["id"]})["t"] == []
        faults.source_unreachable = False
        deadline = time.monotonic() + 10
        while tables_of(sqlite_url_2, {"t": ["id"]})["t"] != [(1,), (2,)] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert tables_of(sqlite_url_2, {"t": ["id"]})["t"] == [(1,), (2,)]
    finally:
        run.drop()


def test_a_task_failing_mid_cdc_stops_with_its_error(sqlite_url, sqlite_url_2, tmp_path):
    execute(sqlite_url, "CREATE TABLE t (id INTEGER PRIMARY KEY)")
    faults = Faults()
    run = make_cdc(
        sqlite_url, sqlite_url_2, str(tmp_path / "s.db"), mappings_for("sqlite", "sqlite"), faults=faults
    )
    try:
        run.start()
        faults.fail_message = "injected: target rejected the change"
        assert run.wait(10)
        assert "injected" in run.error
    finally:
        run.drop()


def test_heartbeat_keeps_an_idle_slot_moving(postgres_url, postgres_url_2, tmp_path):
    execute(postgres_url, "CREATE TABLE t (id int PRIMARY KEY)")
    options = CdcOptions(heartbeat_seconds=0.2)
    run = make_cdc(
        postgres_url,
        postgres_url_2,
        str(tmp_path / "s.db"),
        mappings_for("postgres", "postgres"),
        options=options,
    )
    try:
        run.start()
        time.sleep(0.3)
        first = _slot(postgres_url, run.capture.slot, "confirmed_flush_lsn")
        deadline = time.monotonic() + 10
        while (
            _slot(postgres_url, run.capture.slot, "confirmed_flush_lsn") == first
            and time.monotonic() < deadline
        ):
            time.sleep(0.2)
        assert _slot(postgres_url, run.capture.slot, "confirmed_flush_lsn") != first
    finally:
        run.drop()
