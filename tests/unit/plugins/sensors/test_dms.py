"""DMS sensors: table judgements, the CDC lag rule (Python and waiter JSON agree), deferral and its triggers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jmespath
import pytest
from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException, TaskDeferred
from airflow.sdk.module_loading import import_string
from dms_checks.lag import evaluate_lag
from dms_checks.tables import evaluate_full_load, evaluate_validation
from hooks.cloudwatch import lag_waiter_acceptors
from sensors.dms import DmsCdcLagSensor, DmsFullLoadCompleteSensor
from triggers.dms import CdcLagTrigger, DmsTableStatesTrigger

ARN = "arn:aws:dms:us-east-1:123456789012:task:TASKRESOURCEID"
COMMON: dict[str, Any] = {"aws_conn_id": None, "region_name": "us-east-1"}


def stat(table: str, state: str = "Table completed", validation: str = "Validated", **extra: Any) -> dict:
    return {
        "SchemaName": "shop",
        "TableName": table,
        "TableState": state,
        "ValidationState": validation,
        **extra,
    }


def test_full_load_names_errored_tables_and_waits_for_the_rest():
    report = evaluate_full_load(
        [stat("a"), stat("b", "Full load"), stat("c", "Table error", FullLoadErrorRows=3)]
    )
    assert not report.finished
    assert report.summary() == "1 done; pending shop.b (Full load); failed shop.c (Table error, 3 error rows)"
    assert evaluate_full_load([stat("a"), stat("b")]).finished
    assert not evaluate_full_load([]).finished  # no table yet is not "every table done"


def test_validation_failures_carry_dms_counts():
    report = evaluate_validation(
        [
            stat("a"),
            stat("b", validation="Mismatched records", ValidationFailedRecords=2),
            stat("c", validation="Pending records"),
        ]
    )
    assert report.failed == {"shop.b": "Mismatched records, 2 failed"} and report.pending == {
        "shop.c": "Pending records"
    }


def _series(source: list[float], target: list[float] | None) -> dict[str, list[tuple[datetime, float]]]:
    t0 = datetime(2026, 12, 1, tzinfo=UTC)
    out = {"CDCLatencySource": [(t0 + timedelta(minutes=i), v) for i, v in enumerate(source)]}
    if target is not None:
        out["CDCLatencyTarget"] = [(t0 + timedelta(minutes=i), v) for i, v in enumerate(target)]
    return out


CASES = [
    ([0, 0, 0, 0], [40, 55, 70, 85], False),  # quiet source, backlog on the target side
    ([0, 0, 0], None, False),  # the source alone never passes
    ([9, 1, 0, 0], [30, 2, 1, 0], True),
    ([0, 0], [0, 0], False),  # fewer datapoints than asked for
    ([0, 6, 0, 0], [0, 0, 0, 0], False),  # one spike within the last three
]


@pytest.mark.parametrize(("source", "target", "passes"), CASES)
def test_lag_rule_in_python_and_in_the_waiter_agree(source, target, passes):
    series = _series(source, target)
    assert evaluate_lag(series, 5, 3).passed is passes
    response = {
        "MetricDataResults": [
            {"Label": m, "Values": [v for _, v in reversed(points)]} for m, points in series.items()
        ]
    }
    success = lag_waiter_acceptors(5, 3)[0]
    assert jmespath.search(success["argument"], response) is passes


def test_full_load_poke_fails_when_the_task_failed_before_loading(stub, context):
    sensor = DmsFullLoadCompleteSensor(task_id="fl", replication_task_arn=ARN, **COMMON)
    stubber = stub(sensor.hook)
    task = {
        "ReplicationTaskArn": ARN,
        "ReplicationTaskIdentifier": "orders",
        "Status": "failed",
        "LastFailureMessage": "boom",
    }
    stubber.add_response("describe_replication_tasks", {"ReplicationTasks": [task]})
    stubber.add_response(
        "describe_table_statistics",
        {"ReplicationTaskArn": ARN, "TableStatistics": [stat("a", "Before load")]},
    )
    with pytest.raises(AirflowException, match=r"failed \(boom\) before its full load finished"):
        sensor.poke(context)


def test_full_load_poke_fails_on_an_errored_table(stub, context):
    sensor = DmsFullLoadCompleteSensor(task_id="fl", replication_task_arn=ARN, **COMMON)
    stubber = stub(sensor.hook)
    task = {"ReplicationTaskArn": ARN, "ReplicationTaskIdentifier": "orders", "Status": "running"}
    stubber.add_response("describe_replication_tasks", {"ReplicationTasks": [task]})
    stubber.add_response(
        "describe_table_statistics", {"TableStatistics": [stat("a"), stat("b", "Table error")]}
    )
    with pytest.raises(AirflowFailException, match=r"failed shop\.b"):
        sensor.poke(context)


def _round_trip(trigger: Any) -> Any:
    path, kwargs = trigger.serialize()
    rebuilt = import_string(path)(**kwargs)
    assert rebuilt.serialize() == (path, kwargs)
    return rebuilt


def test_sensors_defer_with_serializable_triggers(context):
    full_load = DmsFullLoadCompleteSensor(task_id="fl", replication_task_arn=ARN, deferrable=True, **COMMON)
    with pytest.raises(TaskDeferred) as deferred:
        full_load.execute(context)
    trigger = _round_trip(deferred.value.trigger)
    assert isinstance(trigger, DmsTableStatesTrigger) and trigger.waiter_name == "full_load_complete"

    lag = DmsCdcLagSensor(
        task_id="lag",
        instance_identifier="RI-1",
        replication_task_arn=ARN,
        max_lag_seconds=4,
        deferrable=True,
        **COMMON,
    )
    assert lag.poke_interval == 30 and lag.timeout == 30 * 240  # poke mode waits as long as the trigger
    with pytest.raises(TaskDeferred) as deferred:
        lag.execute(context)
    trigger = _round_trip(deferred.value.trigger)
    assert isinstance(trigger, CdcLagTrigger)
    dims = trigger.waiter_args["MetricDataQueries"][0]["MetricStat"]["Metric"]["Dimensions"]
    assert {d["Value"] for d in dims} == {"ri-1", "TASKRESOURCEID"}
    assert trigger.waiter_config_overrides["acceptors"] == lag_waiter_acceptors(4, 3)
