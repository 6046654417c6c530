"""CloudWatch metrics that DMS publishes (namespace ``AWS/DMS``), read with GetMetricData."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

from hooks.aws_common import StandardRetriesMixin, explain_aws_errors

WAITERS_FILE = Path(__file__).parent / "waiters" / "cloudwatch.json"
NAMESPACE = "AWS/DMS"
CDC_LATENCY_METRICS = ("CDCLatencySource", "CDCLatencyTarget")


def task_dimensions(instance_identifier: str, task_resource_id: str) -> list[dict[str, str]]:
    """DMS's task-level dimensions: the instance's identifier and the task's resource id (ARN suffix)."""
    return [
        {"Name": "ReplicationInstanceIdentifier", "Value": instance_identifier},
        {"Name": "ReplicationTaskIdentifier", "Value": task_resource_id},
    ]


def metric_queries(
    metrics: tuple[str, ...], dimensions: list[dict[str, str]], period: int, stat: str = "Maximum"
) -> list[dict[str, Any]]:
    return [
        {
            "Id": f"m{i}",
            "Label": name,
            "MetricStat": {
                "Metric": {"Namespace": NAMESPACE, "MetricName": name, "Dimensions": dimensions},
                "Period": period,
                "Stat": stat,
            },
            "ReturnData": True,
        }
        for i, name in enumerate(metrics)
    ]


def lag_waiter_acceptors(max_lag_seconds: float, datapoints: int) -> list[dict[str, Any]]:
    """The ``cdc_latency_under`` acceptors rendered for one threshold (a trigger cannot pass parameters)."""
    config = json.loads(WAITERS_FILE.read_text())
    params = {"max_lag_seconds": json.dumps(float(max_lag_seconds)), "datapoints": int(datapoints)}
    rendered = AwsBaseHook._apply_parameters_value(config, "cdc_latency_under", params)
    return rendered["waiters"]["cdc_latency_under"]["acceptors"]


def series_by_label(results: list[dict[str, Any]]) -> dict[str, list[tuple[datetime, float]]]:
    """GetMetricData's results as ``{label: [(timestamp, value), ...]}``, oldest first."""
    series: dict[str, list[tuple[datetime, float]]] = {}
    for result in results:
        points = series.setdefault(result["Label"], [])
        points.extend(zip(result.get("Timestamps", []), result.get("Values", []), strict=True))
    return {label: sorted(points) for label, points in series.items()}


class DmsMetricsHook(StandardRetriesMixin, AwsBaseHook):
    """Read ``AWS/DMS`` metrics of one replication task through boto3's ``cloudwatch`` client."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["client_type"] = "cloudwatch"
        super().__init__(*args, **kwargs)

    @cached_property
    def waiter_path(self) -> Path:
        return WAITERS_FILE

    def get_task_metrics(
        self,
        instance_identifier: str,
        task_resource_id: str,
        *,
        metrics: tuple[str, ...] = CDC_LATENCY_METRICS,
        window: timedelta = timedelta(minutes=15),
        period: int = 60,
        end: datetime | None = None,
    ) -> dict[str, list[tuple[datetime, float]]]:
        """Each metric's datapoints in the last ``window`` (Maximum per ``period`` seconds), oldest first."""
        from datetime import UTC

        end = end or datetime.now(UTC)
        queries = metric_queries(metrics, task_dimensions(instance_identifier, task_resource_id), period)
        results: list[dict[str, Any]] = []
        with explain_aws_errors(self.aws_conn_id, "cloudwatch:GetMetricData"):
            pages = self.conn.get_paginator("get_metric_data").paginate(
                MetricDataQueries=queries, StartTime=end - window, EndTime=end, ScanBy="TimestampAscending"
            )
            for page in pages:
                results.extend(page.get("MetricDataResults", []))
        series = series_by_label(results)
        return {name: series.get(name, []) for name in metrics}
