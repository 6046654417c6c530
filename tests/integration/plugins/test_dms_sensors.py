"""DMS sensors against the sandbox: real tables loaded and validated, real CloudWatch metrics (moto)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException
from operators.dms import DmsCreateTaskOperator, DmsStartTaskOperator
from operators.dms_resources import DmsEndpointOperator, DmsReplicationInstanceOperator
from sensors.dms import DmsCdcLagSensor, DmsFullLoadCompleteSensor, DmsValidationCompleteSensor
from sqlalchemy import create_engine, text

from tests.integration.plugins.test_dms_operators import FAST, MAPPINGS
from tests.integration.plugins.test_mgn_triggers import deferred_trigger, run_trigger


def _items(path, rows: list[tuple[int, str]]) -> str:
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(20))"))
        conn.execute(text("INSERT INTO items VALUES (:i, :n)"), [{"i": i, "n": n} for i, n in rows])
    engine.dispose()
    return str(path)


def _started_task(aws_conn: str, context: dict[str, Any], source: str, target: str, settings: dict) -> str:
    name = f"it{uuid.uuid4().hex[:8]}"
    common = {"aws_conn_id": aws_conn, **FAST}
    instance = DmsReplicationInstanceOperator(task_id="ri", identifier=f"ri-{name}", **common).execute(
        context
    )
    endpoints = [
        DmsEndpointOperator(
            task_id=kind,
            identifier=f"{name}-{kind}",
            endpoint_type=kind,
            engine="sqlite",
            database=db,
            **common,
        ).execute(context)
        for kind, db in (("source", source), ("target", target))
    ]
    arn = DmsCreateTaskOperator(
        task_id="create",
        identifier=f"{name}-task",
        source_endpoint_arn=endpoints[0],
        target_endpoint_arn=endpoints[1],
        replication_instance_arn=instance,
        migration_type="full-load-and-cdc",
        table_mappings=MAPPINGS,
        task_settings=settings,
        **common,
    ).execute(context)
    DmsStartTaskOperator(task_id="start", replication_task_arn=arn, **common).execute(context)
    return arn


def test_full_load_and_validation_pass_deferred_and_in_poke_mode(aws_conn, context, tmp_path):
    rows = [(i, f"n{i}") for i in range(1, 31)]
    source, target = _items(tmp_path / "s.db", rows), str(tmp_path / "t.db")
    settings = {"ValidationSettings": {"EnableValidation": True}}
    arn = _started_task(aws_conn, context, source, target, settings)
    common = {"aws_conn_id": aws_conn, "replication_task_arn": arn, **FAST}
    full_load = DmsFullLoadCompleteSensor(task_id="fl", deferrable=True, **common)
    event = run_trigger(deferred_trigger(full_load, context))
    assert event["status"] == "success"
    assert full_load.execute_complete(context, event) == {"main.items": "done"}
    validation = DmsValidationCompleteSensor(task_id="v", deferrable=True, **common)
    event = run_trigger(deferred_trigger(validation, context))
    assert validation.execute_complete(context, event) == {"main.items": "done"}
    assert (
        DmsValidationCompleteSensor(task_id="v", **common).poke(context) is True
    )  # the task still runs (CDC)


def test_seeded_mismatch_fails_validation_with_the_failures_table_summary(aws_conn, context, tmp_path):
    source = _items(tmp_path / "s.db", [(i, f"n{i}") for i in range(1, 21)])
    seeded = [(i, "WRONG" if i == 7 else f"n{i}") for i in range(1, 21) if i != 9]
    target = _items(tmp_path / "t.db", seeded)
    settings = {
        "ValidationSettings": {"EnableValidation": True, "ValidationOnly": True},
        "FullLoadSettings": {"TargetTablePrepMode": "DO_NOTHING"},
    }
    arn = _started_task(aws_conn, context, source, target, settings)
    sensor = DmsValidationCompleteSensor(
        task_id="v",
        replication_task_arn=arn,
        target={"engine": "sqlite", "database": target},
        deferrable=True,
        aws_conn_id=aws_conn,
        **FAST,
    )
    event = run_trigger(deferred_trigger(sensor, context))
    assert event["status"] == "error"
    with pytest.raises(AirflowFailException) as failed:
        sensor.execute_complete(context, event)
    message = str(failed.value)
    assert "main.items (Mismatched records" in message
    assert "main.items: 1 MISSING_TARGET" in message and "main.items: 1 RECORD_DIFF (columns name)" in message
    assert "WRONG" not in message  # keys and columns, never values
    pushed = {c.kwargs["key"]: c.kwargs["value"] for c in context["ti"].xcom_push.call_args_list}
    assert pushed["validation_failures"]["failures"]["total"] == 2


def _publish(cloudwatch: Any, instance: str, task: str, values: dict[str, list[float]]) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    dims = [
        {"Name": "ReplicationInstanceIdentifier", "Value": instance},
        {"Name": "ReplicationTaskIdentifier", "Value": task},
    ]
    for metric, points in values.items():
        cloudwatch.put_metric_data(
            Namespace="AWS/DMS",
            MetricData=[
                {
                    "MetricName": metric,
                    "Dimensions": dims,
                    "Timestamp": now - timedelta(minutes=len(points) - k),
                    "Value": v,
                    "Unit": "Seconds",
                }
                for k, v in enumerate(points)
            ],
        )


def test_cdc_lag_never_passes_on_a_quiet_source_alone_and_passes_when_both_are_low(
    aws_conn, sandbox, context
):
    cloudwatch = sandbox.client("cloudwatch")
    instance, quiet, caught_up = (
        f"ri-{uuid.uuid4().hex[:6]}",
        uuid.uuid4().hex.upper(),
        uuid.uuid4().hex.upper(),
    )
    _publish(
        cloudwatch, instance, quiet, {"CDCLatencySource": [0, 0, 0, 0], "CDCLatencyTarget": [40, 55, 70, 85]}
    )
    _publish(
        cloudwatch, instance, caught_up, {"CDCLatencySource": [9, 1, 0, 0], "CDCLatencyTarget": [30, 2, 1, 0]}
    )

    def sensor(task: str, **kwargs: Any) -> DmsCdcLagSensor:
        return DmsCdcLagSensor(
            task_id="lag",
            instance_identifier=instance,
            replication_task_arn=f"arn:aws:dms:us-east-1:123456789012:task:{task}",
            max_lag_seconds=5,
            consecutive_datapoints=3,
            aws_conn_id=aws_conn,
            **kwargs,
        )

    backlog = sensor(quiet).poke(context)
    assert backlog.is_done is False and "CDCLatencyTarget over 5s" in backlog.xcom_value["reason"]
    assert sensor(caught_up).poke(context).is_done is True
    event = run_trigger(
        deferred_trigger(sensor(quiet, deferrable=True, waiter_delay=1, waiter_max_attempts=2), context)
    )
    assert event["status"] == "error"
    low = sensor(caught_up, deferrable=True, waiter_delay=1, waiter_max_attempts=5)
    event = run_trigger(deferred_trigger(low, context))
    assert event["status"] == "success"
    assert low.execute_complete(context, event)["latest"] == {
        "CDCLatencySource": 0.0,
        "CDCLatencyTarget": 0.0,
    }
