"""CdcLagSensor on the sandbox's real CDC (SQLite -> SQLite): passes seconds after the writes stop, and the
task then stops at the drained position with the target equal; with the apply slowed down, neither a busy
source nor a quiet source whose captured changes still wait to be applied passes."""

from __future__ import annotations

import threading
import time

from hooks.dms import DmsMigrationHook
from operators.dms import DmsStopTaskOperator
from sensors.dms import DmsCdcLagSensor
from sqlalchemy import create_engine, text

from tests.integration.plugins.test_dms_operators import FAST
from tests.integration.plugins.test_dms_sensors import _items, _started_task
from tests.integration.plugins.test_mgn_triggers import deferred_trigger, run_trigger


def _rows(path) -> list[tuple]:
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text("SELECT id, name FROM items ORDER BY id"))]
    engine.dispose()
    return rows


class Writer:
    """Inserts a row into the source's items table every 50 ms, from its creation until `stop`."""

    def __init__(self, source: str) -> None:
        self.source, self.stopping = source, threading.Event()
        self.thread = threading.Thread(target=self.write)
        self.thread.start()

    def write(self) -> None:
        engine, n = create_engine(f"sqlite:///{self.source}"), 1000
        while not self.stopping.is_set():
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO items VALUES (:i, :n)"), {"i": n, "n": f"w{n}"})
            n += 1
            time.sleep(0.05)
        engine.dispose()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join()


def test_lag_sensor_passes_after_writes_stop_and_the_target_equals_the_source(aws_conn, context, tmp_path):
    source, target = _items(tmp_path / "s.db", [(i, f"n{i}") for i in range(1, 51)]), str(tmp_path / "t.db")
    arn = _started_task(aws_conn, context, source, target, {})
    writes = Writer(source)
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
    writes.stop()
    stopped_at = time.monotonic()
    while not sensor.poke(context).is_done:
        assert time.monotonic() - stopped_at < 60, "lag never fell under 5 s after the writes stopped"
        time.sleep(2)
    assert time.monotonic() - stopped_at < 60
    DmsStopTaskOperator(task_id="stop", replication_task_arn=arn, aws_conn_id=aws_conn, **FAST).execute(
        context
    )
    assert _rows(target) == _rows(source) and len(_rows(source)) > 50


def test_busy_source_and_quiet_source_with_an_unapplied_backlog_never_pass(
    aws_conn, sandbox, context, tmp_path
):
    """Real CDC with the apply slowed down (faults.slow_dms_apply): while the app writes, and after it
    stopped while the captured changes still wait to be applied (the source's latency back at 0), neither
    the poke nor the deferred trigger passes; with the apply at full speed again it passes within seconds."""
    source, target = _items(tmp_path / "s.db", [(i, f"n{i}") for i in range(1, 51)]), str(tmp_path / "t.db")
    arn = _started_task(aws_conn, context, source, target, {})
    task = DmsMigrationHook(aws_conn_id=aws_conn).find_replication_tasks_by_arn(arn, without_settings=True)[0]
    name = task["ReplicationTaskIdentifier"]
    sandbox.faults(slow_dms_apply=[name], dms_apply_delay_seconds=0.2)

    def sensor(**kwargs) -> DmsCdcLagSensor:
        return DmsCdcLagSensor(
            task_id="lag",
            instance_identifier="ri-" + name.removesuffix("-task"),
            replication_task_arn=arn,
            max_lag_seconds=2,
            consecutive_datapoints=2,
            period=5,
            aws_conn_id=aws_conn,
            **kwargs,
        )

    writes = Writer(source)
    try:
        time.sleep(8)
        busy = run_trigger(
            deferred_trigger(sensor(deferrable=True, waiter_delay=1, waiter_max_attempts=5), context)
        )
        assert busy["status"] == "error", busy  # the trigger gave up waiting: never passed while busy
    finally:
        writes.stop()
    deadline = time.monotonic() + 30
    while True:  # the source goes quiet: its latency falls to 0 while the backlog is still applied slowly
        quiet = sensor().poke(context)
        assert quiet.is_done is False, quiet.xcom_value
        if quiet.xcom_value["latest"]["CDCLatencySource"] == 0:
            break
        assert time.monotonic() < deadline, quiet.xcom_value
        time.sleep(1)
    assert (
        quiet.xcom_value["latest"]["CDCLatencyTarget"] > 2
        and "CDCLatencyTarget" in quiet.xcom_value["reason"]
    )
    sandbox.faults(reset=True)
    released = time.monotonic()
    event = run_trigger(
        deferred_trigger(sensor(deferrable=True, waiter_delay=1, waiter_max_attempts=60), context), timeout=90
    )
    assert event["status"] == "success" and time.monotonic() - released < 40
    DmsStopTaskOperator(task_id="stop", replication_task_arn=arn, aws_conn_id=aws_conn, **FAST).execute(
        context
    )
    assert _rows(target) == _rows(source)
