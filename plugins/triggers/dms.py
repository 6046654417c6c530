"""Deferrable waits on DMS, on the provider's ``AwsBaseWaiterTrigger`` with an aiobotocore client.

Every wait names a waiter of ``hooks/waiters/dms.json`` (or botocore's own DMS waiters), so the blocking
path of an operator and its deferred path judge the same states.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.amazon.aws.triggers.base import AwsBaseWaiterTrigger
from hooks.dms import DmsMigrationHook


class DmsWaiterTrigger(AwsBaseWaiterTrigger):
    """
    Fire when one DMS waiter succeeds (event ``{"status": "success", "value": return_value}``) or fails.

    One class for every DMS resource wait (instance available, connections tested, task ready, running,
    stopped, deleted): the waiter name and its arguments travel in the serialized trigger.
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
        aws_conn_id: str | None = "aws_default",
        region_name: str | None = None,
        verify: bool | str | None = None,
        botocore_config: dict | None = None,
    ) -> None:
        super().__init__(
            serialized_fields={
                "waiter_name": waiter_name,
                "waiter_args": waiter_args,
                "return_value": return_value,
                "failure_message": failure_message,
                "status_message": status_message,
                "status_queries": status_queries,
            },
            waiter_name=waiter_name,
            waiter_args=waiter_args,
            failure_message=failure_message,
            status_message=status_message,
            status_queries=status_queries,
            return_value=return_value,
            waiter_delay=waiter_delay,
            waiter_max_attempts=waiter_max_attempts,
            aws_conn_id=aws_conn_id,
            region_name=region_name,
            verify=verify,
            botocore_config=botocore_config,
        )
