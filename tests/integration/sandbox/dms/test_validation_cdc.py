"""Validation of a full-load-and-cdc task while the application keeps writing: real boto3 against the
sandbox, a real MariaDB source (no snapshot for the load) and target. Rows changed while the table is
compared are compared again once CDC has applied them, so the table ends `Validated` with no failure, as on
AWS. (A SQLite source written every 30 ms during the load ends in `Table error`: database locked.)"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid

import pytest
from sqlalchemy import create_engine, text

from sandbox.testing import running_sandbox, wait_for

pytestmark = pytest.mark.integration

FAST = {"Delay": 0.2, "MaxAttempts": 300}
ROWS = 20_000


def _seed(url) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE items (id INTEGER PRIMARY KEY, qty INTEGER, note VARCHAR(20))"))
        conn.execute(
            text("INSERT INTO items VALUES (:i, :q, :n)"),
            [{"i": i, "q": i, "n": f"r{i}"} for i in range(1, ROWS)],
        )
    engine.dispose()


def _rows(url) -> list[tuple]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text("SELECT id, qty, note FROM items ORDER BY id"))]
    engine.dispose()
    return rows


def _writer(url, stop: threading.Event, done: list[int]) -> None:
    engine, pick, n = create_engine(url), random.Random(3), 1_000_000
    while not stop.wait(0.03):
        n += 1
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO items VALUES (:i, 0, 'new')"), {"i": n})
            conn.execute(
                text("UPDATE items SET qty = qty + 1 WHERE id = :k"), {"k": pick.randint(1, ROWS - 1)}
            )
        done.append(n)
    engine.dispose()


def _endpoint(dms, kind: str, url, suffix: str) -> str:
    args = {"EngineName": "mariadb", "ServerName": url.host, "Port": url.port or 3306,
            "DatabaseName": url.database, "Username": url.username or "root"}  # fmt: skip
    made = dms.create_endpoint(EndpointIdentifier=f"{kind}-{suffix}", EndpointType=kind, **args)
    return made["Endpoint"]["EndpointArn"]


def _task(sandbox, source, target, prep: str = "DROP_AND_CREATE") -> tuple:
    schema = source.database
    rules = [{"rule-type": "selection", "rule-id": "1", "rule-name": "all", "rule-action": "include",
              "object-locator": {"schema-name": schema, "table-name": "%"}},
             {"rule-type": "transformation", "rule-id": "2", "rule-name": "to-target", "rule-target": "schema",
              "object-locator": {"schema-name": schema}, "rule-action": "rename", "value": target.database}]  # fmt: skip
    dms, suffix = sandbox.client("dms"), uuid.uuid4().hex[:8]
    inst = dms.create_replication_instance(
        ReplicationInstanceIdentifier=f"ri-{suffix}", ReplicationInstanceClass="dms.t3.medium"
    )["ReplicationInstance"]["ReplicationInstanceArn"]
    dms.get_waiter("replication_instance_available").wait(
        Filters=[{"Name": "replication-instance-arn", "Values": [inst]}], WaiterConfig=FAST
    )
    settings = {
        "ValidationSettings": {"EnableValidation": True},
        "FullLoadSettings": {"TargetTablePrepMode": prep},
    }
    arn = dms.create_replication_task(
        ReplicationTaskIdentifier=f"task-{suffix}",
        SourceEndpointArn=_endpoint(dms, "source", source, suffix),
        TargetEndpointArn=_endpoint(dms, "target", target, suffix),
        ReplicationInstanceArn=inst,
        MigrationType="full-load-and-cdc",
        TableMappings=json.dumps({"rules": rules}),
        ReplicationTaskSettings=json.dumps(settings),
    )["ReplicationTask"]["ReplicationTaskArn"]
    dms.get_waiter("replication_task_ready").wait(
        Filters=[{"Name": "replication-task-arn", "Values": [arn]}], WaiterConfig=FAST
    )
    return dms, arn


def _validated(dms, arn: str) -> dict:
    def done():
        stats = dms.describe_table_statistics(ReplicationTaskArn=arn)["TableStatistics"]
        return (
            stats[0]
            if stats and stats[0]["ValidationState"] not in ("Pending records", "Not enabled")
            else None
        )

    return wait_for(done, 90, 0.3, "validation finished")


def test_a_table_written_during_load_and_validation_ends_validated_and_equal(mariadb_url, tmp_path):
    from tests.fixtures.databases import mariadb_database

    source, gen = mariadb_url, mariadb_database()
    target = next(gen)
    stop, written = threading.Event(), []
    try:
        _seed(source)
        with running_sandbox({"source_servers": []}, tmp_path / "state") as sandbox:
            dms, arn = _task(sandbox, source, target)
            thread = threading.Thread(target=_writer, args=(source, stop, written))
            thread.start()
            try:
                time.sleep(0.5)
                dms.start_replication_task(
                    ReplicationTaskArn=arn, StartReplicationTaskType="start-replication"
                )
                table, during = _validated(dms, arn), len(written)
            finally:
                stop.set()
                thread.join()
            assert during > 20  # the app wrote while the table was loaded and compared
            assert table["ValidationState"] == "Validated" and table["ValidationFailedRecords"] == 0, table
            wait_for(lambda: _rows(target) == _rows(source) or None, 30, 0.5, "target caught up")
            dms.stop_replication_task(ReplicationTaskArn=arn)
    finally:
        gen.close()


def test_a_lasting_difference_still_fails_validation_of_a_cdc_task(mariadb_url, tmp_path):
    """The target's own trigger changes one row as it is loaded: compared again, it still differs."""
    from tests.fixtures.databases import mariadb_database

    source, gen = mariadb_url, mariadb_database()
    target = next(gen)
    try:
        _seed(source)
        engine = create_engine(target)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE items (id INTEGER PRIMARY KEY, qty INTEGER, note VARCHAR(20))"))
            conn.execute(
                text("CREATE TRIGGER skew BEFORE INSERT ON items FOR EACH ROW "
                     "SET NEW.qty = IF(NEW.id = 5, NEW.qty + 1000, NEW.qty)")
            )  # fmt: skip
        engine.dispose()
        with running_sandbox({"source_servers": []}, tmp_path / "state") as sandbox:
            dms, arn = _task(sandbox, source, target, prep="DO_NOTHING")
            dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
            table = _validated(dms, arn)
            assert (
                table["ValidationState"] == "Mismatched records" and table["ValidationFailedRecords"] == 1
            ), table
            dms.stop_replication_task(ReplicationTaskArn=arn)
    finally:
        gen.close()
