"""AWS DMS: the provider's DmsHook plus the calls it lacks (instances, endpoints, connections, statistics).

One method per API call, returning the useful slice. Describe-by-identifier methods return ``None`` when DMS
answers ResourceNotFoundFault (how DMS says "no match" for a filter), so operators can describe first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from airflow.providers.amazon.aws.hooks.dms import DmsHook
from botocore.exceptions import ClientError

from hooks.aws_common import StandardRetriesMixin, explain_aws_errors

WAITERS_FILE = Path(__file__).parent / "waiters" / "dms.json"


def _pruned(**kwargs: Any) -> dict[str, Any]:
    return {k: v for k, v in kwargs.items() if v is not None}


def _not_found(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ResourceNotFoundFault"


def resource_id(arn: str) -> str:
    """The last part of a DMS ARN (``arn:aws:dms:...:task:ABC`` -> ``ABC``): the task's resource id."""
    return arn.rsplit(":", 1)[-1]


@dataclass(frozen=True)
class DmsResource:
    """How DMS's API names one kind of resource: Describe<Name>s, Delete<Name>, <Name>Arn, the filters
    <name>-id and <name>-arn, and this project's or botocore's waiter <name>_deleted."""

    name: str  # ReplicationInstance, Endpoint, ReplicationTask
    status_key: str = "Status"

    @property
    def snake(self) -> str:
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.name).lower()

    @property
    def arn_key(self) -> str:
        return f"{self.name}Arn"

    @property
    def deleted_waiter(self) -> str:
        return f"{self.snake}_deleted"

    @property
    def status_query(self) -> str:
        """Where a Describe answer holds the status (the waiters' status log)."""
        return f"{self.name}s[0].{self.status_key}"

    def filters(self, by: str, value: str) -> list[dict[str, Any]]:
        """The Describe filter of one resource ``by`` ``id`` (its identifier) or ``arn``."""
        return [{"Name": f"{self.snake.replace('_', '-')}-{by}", "Values": [value]}]


INSTANCE = DmsResource("ReplicationInstance", "ReplicationInstanceStatus")
ENDPOINT = DmsResource("Endpoint")
TASK = DmsResource("ReplicationTask")


class DmsMigrationHook(StandardRetriesMixin, DmsHook):
    """
    The provider's ``DmsHook`` (task lifecycle) with the rest of what a database migration calls.

    ``get_waiter`` finds this project's waiters in ``hooks/waiters/dms.json`` first, then botocore's own
    (``replication_instance_available``, ``test_connection_succeeds``, ``endpoint_deleted``, ...).
    """

    @cached_property
    def waiter_path(self) -> Path:
        return WAITERS_FILE

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        with explain_aws_errors(self.aws_conn_id, f"dms:{operation}"):
            return getattr(self.conn, operation)(**_pruned(**kwargs))

    def _describe(self, operation: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
        """Every page of a Describe* call; an empty list where DMS says ResourceNotFoundFault."""
        items: list[dict[str, Any]] = []
        try:
            with explain_aws_errors(self.aws_conn_id, f"dms:{operation}"):
                for page in self.conn.get_paginator(operation).paginate(**_pruned(**kwargs)):
                    items.extend(page.get(key, []))
        except ClientError as error:
            if not _not_found(error):
                raise
        return items

    @staticmethod
    def _one(items: list[dict[str, Any]]) -> dict[str, Any] | None:
        return items[0] if items else None

    def describe_resource(
        self, resource: DmsResource, identifier: str, **members: Any
    ) -> dict[str, Any] | None:
        """The resource named ``identifier`` (DMS keeps identifiers in lower case), or None."""
        filters = resource.filters("id", identifier.lower())
        return self._one(
            self._describe(f"describe_{resource.snake}s", f"{resource.name}s", Filters=filters, **members)
        )

    def delete_resource(self, resource: DmsResource, arn: str) -> dict[str, Any]:
        return self._call(f"delete_{resource.snake}", **{resource.arn_key: arn})[resource.name]

    # --- replication instances ----------------------------------------------------------------------------
    def describe_replication_instance(self, identifier: str) -> dict[str, Any] | None:
        return self.describe_resource(INSTANCE, identifier)

    def create_replication_instance(self, identifier: str, instance_class: str, **kwargs: Any) -> dict:
        """``kwargs``: CreateReplicationInstance's own members (AllocatedStorage, MultiAZ, Tags...)."""
        return self._call(
            "create_replication_instance",
            ReplicationInstanceIdentifier=identifier,
            ReplicationInstanceClass=instance_class,
            **kwargs,
        )["ReplicationInstance"]

    def delete_replication_instance(self, instance_arn: str) -> dict[str, Any]:
        return self.delete_resource(INSTANCE, instance_arn)

    # --- endpoints ----------------------------------------------------------------------------------------
    def describe_endpoint(self, identifier: str) -> dict[str, Any] | None:
        return self.describe_resource(ENDPOINT, identifier)

    def create_endpoint(self, **members: Any) -> dict[str, Any]:
        """``members``: CreateEndpoint's own (EndpointIdentifier, EndpointType, EngineName, ...)."""
        return self._call("create_endpoint", **members)["Endpoint"]

    def delete_endpoint(self, endpoint_arn: str) -> dict[str, Any]:
        return self.delete_resource(ENDPOINT, endpoint_arn)

    # --- connections --------------------------------------------------------------------------------------
    def test_connection(self, instance_arn: str, endpoint_arn: str) -> dict[str, Any]:
        return self._call("test_connection", ReplicationInstanceArn=instance_arn, EndpointArn=endpoint_arn)[
            "Connection"
        ]

    def describe_connection(self, instance_arn: str, endpoint_arn: str) -> dict[str, Any] | None:
        return self._one(
            self._describe(
                "describe_connections",
                "Connections",
                Filters=connection_filters(instance_arn, endpoint_arn),
            )
        )

    # --- tasks --------------------------------------------------------------------------------------------
    def describe_task(self, identifier: str, *, with_settings: bool = True) -> dict[str, Any] | None:
        """The task named ``identifier`` (settings and mappings included unless asked otherwise)."""
        return self.describe_resource(TASK, identifier, WithoutSettings=not with_settings)

    def create_task(self, **members: Any) -> dict[str, Any]:
        """CreateReplicationTask without the provider's built-in wait (the operator chooses how to wait)."""
        return self._call("create_replication_task", **members)["ReplicationTask"]

    def modify_task(self, task_arn: str, **members: Any) -> dict[str, Any]:
        return self._call("modify_replication_task", ReplicationTaskArn=task_arn, **members)[
            "ReplicationTask"
        ]

    def start_task(self, task_arn: str, start_type: str, **members: Any) -> dict[str, Any]:
        return self._call(
            "start_replication_task",
            ReplicationTaskArn=task_arn,
            StartReplicationTaskType=start_type,
            **members,
        )["ReplicationTask"]

    def stop_task(self, task_arn: str) -> dict[str, Any]:
        return self._call("stop_replication_task", ReplicationTaskArn=task_arn)["ReplicationTask"]

    def delete_task(self, task_arn: str) -> dict[str, Any]:
        return self.delete_resource(TASK, task_arn)

    def describe_table_statistics(self, task_arn: str) -> list[dict[str, Any]]:
        return self._describe(
            "describe_table_statistics", "TableStatistics", ReplicationTaskArn=task_arn, MaxRecords=500
        )


def task_filters(task_arn: str) -> list[dict[str, Any]]:
    """The DescribeReplicationTasks filter of one task, as the waiters take it."""
    return TASK.filters("arn", task_arn)


def connection_filters(instance_arn: str, endpoint_arn: str) -> list[dict[str, Any]]:
    return ENDPOINT.filters("arn", endpoint_arn) + INSTANCE.filters("arn", instance_arn)
