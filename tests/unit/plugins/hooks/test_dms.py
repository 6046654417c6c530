"""DMS hooks: waiter JSON, CloudWatch latency series, the validation failures summary, database URLs."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from botocore.stub import ANY
from botocore.waiter import WaiterModel
from hooks.cloudwatch import DmsMetricsHook
from hooks.databases import DatabaseAddress, sqlalchemy_url
from hooks.dms import WAITERS_FILE, DmsMigrationHook, resource_id
from hooks.validation_failures import read_summary
from sqlalchemy import create_engine, text

ARN = "arn:aws:dms:us-east-1:123456789012:task:TASKRESOURCEID"


def test_waiter_file_is_a_valid_model_and_the_hook_finds_both_kinds():
    model = WaiterModel(json.loads(WAITERS_FILE.read_text()))
    assert {"task_created", "task_modified", "task_running", "task_stopped"} <= set(model.waiter_names)
    hook = DmsMigrationHook(aws_conn_id=None, region_name="us-east-1")
    assert "task_running" in hook.list_waiters() and "test_connection_succeeds" in hook.list_waiters()
    assert hook.get_waiter("test_connection_succeeds").name == "TestConnectionSucceeds"


@pytest.mark.parametrize(
    ("status", "reason", "outcome"),
    [
        ("running", None, "success"),
        ("stopped", "Stop Reason FULL_LOAD_ONLY_FINISHED", "success"),
        ("stopped", "Stop Reason FATAL_ERROR", "failure"),
        ("failed", None, "failure"),
        ("starting", None, "retry"),
    ],
)
def test_task_running_waiter_accepts_a_finished_full_load(stub, status, reason, outcome):
    hook = DmsMigrationHook(aws_conn_id=None, region_name="us-east-1")
    stubber = stub(hook)
    task = {"ReplicationTaskArn": ARN, "Status": status, **({"StopReason": reason} if reason else {})}
    stubber.add_response("describe_replication_tasks", {"ReplicationTasks": [task]})
    waiter = hook.get_waiter("task_running")
    try:
        waiter.wait(Filters=[], WaiterConfig={"MaxAttempts": 1, "Delay": 0})
        result = "success"
    except Exception as error:  # WaiterError: terminal failure or max attempts
        result = "failure" if "terminal failure" in str(error) else "retry"
    assert result == outcome


def test_cdc_latency_series_in_time_order(stub):
    hook = DmsMetricsHook(aws_conn_id=None, region_name="us-east-1")
    t1, t2 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC), datetime(2026, 12, 1, 12, 1, tzinfo=UTC)
    stub(hook).add_response(
        "get_metric_data",
        {
            "MetricDataResults": [
                {"Id": "m0", "Label": "CDCLatencySource", "Timestamps": [t2, t1], "Values": [0.0, 3.0]},
                {"Id": "m1", "Label": "CDCLatencyTarget", "Timestamps": [t1], "Values": [9.0]},
            ]
        },
        {"MetricDataQueries": ANY, "StartTime": ANY, "EndTime": ANY, "ScanBy": "TimestampAscending"},
    )
    series = hook.get_task_metrics("ri-1", resource_id(ARN))
    assert series == {"CDCLatencySource": [(t1, 3.0), (t2, 0.0)], "CDCLatencyTarget": [(t1, 9.0)]}


def test_failure_summary_counts_and_keys_without_values(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 't.db'}")
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE awsdms_validation_failures_v1 (TASK_NAME TEXT, TABLE_OWNER TEXT, TABLE_NAME TEXT,"
                " FAILURE_TIME TEXT, KEY_TYPE TEXT, KEY TEXT, FAILURE_TYPE TEXT, DETAILS TEXT)"
            )
        )
        details = json.dumps(
            {"key": {"id": 7}, "diff": [{"column": "name", "source": "SECRETVAL", "target": "x"}]}
        )
        rows = [
            ("TASKRESOURCEID", "main", "items", '{"key": ["7"]}', "RECORD_DIFF", details),
            ("TASKRESOURCEID", "main", "items", '{"key": ["8"]}', "MISSING_TARGET", "{}"),
            ("OTHERTASK", "main", "items", '{"key": ["9"]}', "RECORD_DIFF", "{}"),
        ]
        for r in rows:
            conn.execute(
                text(
                    "INSERT INTO awsdms_validation_failures_v1 (TASK_NAME, TABLE_OWNER, TABLE_NAME, KEY,"
                    " FAILURE_TYPE, DETAILS) VALUES (:a, :b, :c, :d, :e, :f)"
                ),
                dict(zip("abcdef", r, strict=True)),
            )
    summary = read_summary(engine, "sqlite", "TASKRESOURCEID")
    engine.dispose()
    assert summary.total == 2
    assert summary.lines() == [
        "main.items: 1 MISSING_TARGET; keys 7, 8",
        "main.items: 1 RECORD_DIFF (columns name); keys 7, 8",
    ]
    assert "SECRETVAL" not in json.dumps(summary.as_dict())


def test_database_url_from_a_connection_hides_the_password(monkeypatch):
    conn = {"conn_type": "mysql", "host": "db1", "login": "app", "password": "pw-x", "schema": "ignored"}
    monkeypatch.setenv("AIRFLOW_CONN_SHOP_DB", json.dumps(conn))
    url = sqlalchemy_url(DatabaseAddress(engine="mariadb", database="shop", conn_id="shop_db"))
    assert url.drivername == "mysql+pymysql" and url.database == "shop" and url.port == 3306
    assert url.password == "pw-x" and "pw-x" not in str(url)
    assert sqlalchemy_url(DatabaseAddress(engine="sqlite", database="/tmp/x.db")).database == "/tmp/x.db"
