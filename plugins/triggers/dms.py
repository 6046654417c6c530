"""Deferrable waits on DMS, on the provider's ``AwsBaseWaiterTrigger`` with an aiobotocore client.

Every wait names a waiter of ``hooks/waiters/dms.json`` (or botocore's own DMS waiters), so the blocking
path of an operator and its deferred path judge the same states.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.amazon.aws.triggers.base import AwsBaseWaiterTrigger
from hooks.cloudwatch import (
    CDC_LATENCY_METRICS,
    DmsMetricsHook,
    lag_waiter_acceptors,
    metric_queries,
    task_dimensions,
)
from hooks.dms import DmsMigrationHook, resource_id, task_filters
from shared.waiting import WAITER_DELAY, WAITER_MAX_ATTEMPTS

from triggers.stepwise import StepwiseWaiterMixin
from triggers.waiter import Wait


class DmsWaiterTrigger(AwsBaseWaiterTrigger):
    """
    Fire when one DMS waiter succeeds (event ``{"status": "success", "value": return_value}``) or fails.

    One class for every DMS resource wait (instance available, connections tested, task ready, running,
    stopped, deleted): the waiter name and its arguments travel in the serialized trigger.

    ``aws`` (here and in the other DMS triggers): ``aws_conn_id``, ``region_name``, ``verify``,
    ``botocore_config``, as ``shared.waiting.trigger_kwargs`` hands them over.
    """

    aws_hook_class = DmsMigrationHook

    def __init__(
        self,
        *,
        waiter_name: str,
        waiter_args: dict[str, Any],
        return_value: Any,
        failure_message: str,
        status_message: str,
        status_queries: list[str],
        waiter_delay: int = 15,
        waiter_max_attempts: int = 120,
        **aws: Any,
    ) -> None:
        fields = {  # serialized as they are, and what the provider's trigger takes
            "waiter_name": waiter_name,
            "waiter_args": waiter_args,
            "return_value": return_value,
            "failure_message": failure_message,
            "status_message": status_message,
            "status_queries": status_queries,
        }
        super().__init__(
            serialized_fields=fields,
            **fields,
            waiter_delay=waiter_delay,
            waiter_max_attempts=waiter_max_attempts,
            **aws,
        )


class DmsTableStatesTrigger(StepwiseWaiterMixin, AwsBaseWaiterTrigger):
    """
    Fire when a task's tables all reached a state (``full_load_complete`` or ``validation_complete``), or
    as soon as one table failed, or the task itself failed or stopped short (table states then never move).

    The event only wakes the sensor up: the sensor reads every page of the table statistics and judges.
    """

    aws_hook_class = DmsMigrationHook
    not_done = "tables not done"

    def __init__(
        self,
        *,
        replication_task_arn: str,
        waiter_name: str,
        waiter_delay: int = WAITER_DELAY,
        waiter_max_attempts: int = WAITER_MAX_ATTEMPTS,
        **aws: Any,
    ) -> None:
        self.replication_task_arn = replication_task_arn
        wait = Wait(
            waiter_name=waiter_name,
            waiter_args={"ReplicationTaskArn": replication_task_arn, "MaxRecords": 500},
            failure_message=f"DMS task {resource_id(replication_task_arn)}: a table failed",
            status_message=f"DMS task {resource_id(replication_task_arn)} tables",
            status_queries=["TableStatistics[].[TableName, TableState, ValidationState]"],
        )
        fields = {"replication_task_arn": replication_task_arn, "waiter_name": waiter_name}
        super().__init__(
            **wait.arguments(
                fields,
                "replication_task_arn",
                waiter_delay=waiter_delay,
                waiter_max_attempts=waiter_max_attempts,
                **aws,
            )
        )

    async def _task_problem(self, client: Any) -> str | None:
        response = await client.describe_replication_tasks(
            Filters=task_filters(self.replication_task_arn), WithoutSettings=True
        )
        task = (response.get("ReplicationTasks") or [{}])[0]
        if task.get("Status") in ("failed", "deleting", "stopped"):
            details = [task.get(k) for k in ("StopReason", "LastFailureMessage") if task.get(k)]
            return f"DMS task is {task.get('Status')}" + (f" ({'; '.join(details)})" if details else "")
        return None

    async def judge(self, client: Any, reached: bool) -> tuple[str, str | None] | None:
        if reached:
            return "success", None
        problem = await self._task_problem(client)
        return ("error", problem) if problem else None


class CdcLagTrigger(AwsBaseWaiterTrigger):
    """
    Fire when CDCLatencySource and CDCLatencyTarget of a task were both at or under ``max_lag_seconds`` for
    the newest ``datapoints`` datapoints (waiter ``cdc_latency_under`` on GetMetricData, newest first).
    The query window is fixed when deferring: it starts a few periods back and ends after the last attempt.
    """

    aws_hook_class = DmsMetricsHook

    def __init__(
        self,
        *,
        instance_identifier: str,
        task_resource_id: str,
        max_lag_seconds: float,
        datapoints: int,
        period: int,
        start_time: int,
        end_time: int,
        waiter_delay: int = WAITER_DELAY,
        waiter_max_attempts: int = WAITER_MAX_ATTEMPTS,
        **aws: Any,
    ) -> None:
        fields = {
            "instance_identifier": instance_identifier,
            "task_resource_id": task_resource_id,
            "max_lag_seconds": max_lag_seconds,
            "datapoints": datapoints,
            "period": period,
            "start_time": start_time,
            "end_time": end_time,
        }
        queries = metric_queries(
            CDC_LATENCY_METRICS, task_dimensions(instance_identifier, task_resource_id), period
        )
        wait = Wait(
            waiter_name="cdc_latency_under",
            waiter_args={
                "MetricDataQueries": queries,
                "StartTime": start_time,
                "EndTime": end_time,
                "ScanBy": "TimestampDescending",
            },
            failure_message=f"CDC latency of DMS task {task_resource_id}",
            status_message=f"CDC latency of DMS task {task_resource_id} (newest first)",
            status_queries=["MetricDataResults[].[Label, Values[:5]]"],
            waiter_config_overrides={"acceptors": lag_waiter_acceptors(max_lag_seconds, datapoints)},
        )
        super().__init__(
            **wait.arguments(
                fields,
                "task_resource_id",
                waiter_delay=waiter_delay,
                waiter_max_attempts=waiter_max_attempts,
                **aws,
            )
        )
