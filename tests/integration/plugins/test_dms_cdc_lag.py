"""CdcLagSensor on the sandbox's real CDC (SQLite -> SQLite): waits while the source is written, passes
seconds after the writes stop; the task then stops at the drained position with the target equal."""

from __future__ import annotations

import threading
import time

from hooks.dms import DmsMigrationHook
from operators.dms import DmsStopTaskOperator
from sensors.dms import DmsCdcLagSensor
from sqlalchemy import create_engine, text

from tests.integration.plugins.test_dms_operators import FAST
from tests.integration.plugins.test_dms_sensors import _items, _started_task


def _rows(path) -> list[tuple]:
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text("SELECT id, name FROM items ORDER BY id"))]
    engine.dispose()
    return rows


def test_lag_sensor_passes_after_writes_stop_and_the_target_equals_the_source(aws_conn, context, tmp_path):
    source, target = _items(tmp_path / "s.db", [(i, f"n{i}") for i in range(1, 51)]), str(tmp_path / "t.db")
    arn = _started_task(aws_conn, context, source, target, {})
    stop = threading.Event()

    def writer() -> None:
        engine, n = create_engine(f"sqlite:///{source}"), 1000
        while not stop.is_set():
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO items VALUES (:i, :n)"), {"i": n, "n": f"w{n}"})
            n += 1
            time.sleep(0.05)
        engine.dispose()

    thread = threading.Thread(target=writer)
    thread.start()
    task = DmsMigrationHook(aws_conn_id=aws_conn).find_replication_tasks_by_arn(arn, without_settings=True)[0]
    identifier = "ri-" + task["ReplicationTaskIdentifier"].removesuffix("-task")  # as _started_task names it
    sensor = DmsCdcLagSensor(
        task_id="lag",
        instance_identifier=identifier,
        replication_task_arn=arn,
        max_lag_seconds=5,
        consecutive_datapoints=2,
        period=5,
        aws_conn_id=aws_conn,
    )
    time.sleep(6)
    stop.set()
    thread.join()
    stopped_at = time.monotonic()
    while not sensor.poke(context).is_done:
        assert time.monotonic() - stopped_at < 60, "lag never fell under 5 s after the writes stopped"
        time.sleep(2)
    assert time.monotonic() - stopped_at < 60
    DmsStopTaskOperator(task_id="stop", replication_task_arn=arn, aws_conn_id=aws_conn, **FAST).execute(
        context
    )
    assert _rows(target) == _rows(source) and len(_rows(source)) > 50
