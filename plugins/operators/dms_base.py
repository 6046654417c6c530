"""What every DMS operator shares: the hook, the four waiting parameters, one wait (blocking or deferred)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.providers.amazon.aws.operators.base_aws import AwsBaseOperator
from airflow.providers.amazon.aws.utils import validate_execute_complete_event
from airflow.providers.amazon.aws.utils.mixins import aws_template_fields
from airflow.providers.amazon.aws.utils.waiter_with_logging import wait
from airflow.providers.common.compat.sdk import AirflowException, conf
from hooks.dms import DmsMigrationHook, DmsResource
from links.dms import DmsEndpointsLink, DmsReplicationInstanceLink, DmsTaskLink
from shared.retry import with_retry_defaults
from shared.waiting import trigger_kwargs
from triggers.dms import DmsWaiterTrigger

if TYPE_CHECKING:
    from airflow.sdk import Context


@dataclass(frozen=True)
class Wait:
    """One waiter call: its name, arguments, what the log says, and what the operator returns after it."""

    waiter_name: str
    args: dict[str, Any]
    what: str
    status_queries: list[str]
    return_value: Any


def client_error_code(error: Exception) -> str:
    return getattr(error, "response", {}).get("Error", {}).get("Code", "")


class DmsBaseOperator(AwsBaseOperator[DmsMigrationHook]):
    """
    Base of the DMS operators: ``wait_for_completion``, ``deferrable``, ``waiter_delay``,
    ``waiter_max_attempts`` as everywhere in the provider; blocking and deferred waits use the same waiter.
    """

    aws_hook_class = DmsMigrationHook

    def __init__(
        self,
        *,
        wait_for_completion: bool = True,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        waiter_delay: int = 15,
        waiter_max_attempts: int = 120,
        **kwargs: Any,
    ) -> None:
        super().__init__(**with_retry_defaults(kwargs))
        self.wait_for_completion = wait_for_completion
        self.deferrable = deferrable
        self.waiter_delay = waiter_delay
        self.waiter_max_attempts = waiter_max_attempts

    def wait(self, spec: Wait) -> Any:
        """Wait as configured and return ``spec.return_value`` (deferred: ``execute_complete`` returns it)."""
        if not self.wait_for_completion:
            return spec.return_value
        if self.deferrable:
            self.defer(
                trigger=DmsWaiterTrigger(
                    waiter_name=spec.waiter_name,
                    waiter_args=spec.args,
                    return_value=spec.return_value,
                    failure_message=f"{spec.what} failed",
                    status_message=spec.what,
                    status_queries=spec.status_queries,
                    **trigger_kwargs(self),
                ),
                method_name="execute_complete",
            )
        try:
            wait(
                waiter=self.hook.get_waiter(spec.waiter_name),
                waiter_delay=int(self.waiter_delay),
                waiter_max_attempts=int(self.waiter_max_attempts),
                args=spec.args,
                failure_message=f"{spec.what} failed",
                status_message=spec.what,
                status_args=spec.status_queries,
            )
        except AirflowException as error:
            raise AirflowException(f"{error}{self.explain_failure(spec.return_value)}") from error
        return spec.return_value

    def explain_failure(self, value: Any) -> str:
        """Extra words for a failed wait (a task's LastFailureMessage, a connection's error)."""
        return ""

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> Any:
        event = validate_execute_complete_event(event)
        if event["status"] != "success":
            raise AirflowException(f"{event.get('message')}{self.explain_failure(event.get('value'))}")
        return event.get("value")

    def link_kwargs(self) -> dict[str, Any]:
        return {"region_name": self.hook.conn_region_name, "aws_partition": self.hook.conn_partition}

    def persist_task_link(self, context: Context, task_identifier: str) -> None:
        DmsTaskLink.persist(
            context=context, operator=self, task_identifier=task_identifier, **self.link_kwargs()
        )

    def persist_instance_link(self, context: Context, instance_identifier: str) -> None:
        DmsReplicationInstanceLink.persist(
            context=context, operator=self, instance_identifier=instance_identifier, **self.link_kwargs()
        )

    def persist_endpoints_link(self, context: Context) -> None:
        DmsEndpointsLink.persist(context=context, operator=self, **self.link_kwargs())


class DmsDeleteOperator(DmsBaseOperator):
    """Delete the ``resource`` named ``identifier`` and wait until it is gone; gone already is fine."""

    template_fields: Sequence[str] = aws_template_fields("identifier")
    resource: ClassVar[DmsResource]
    kind: ClassVar[str]  # in messages: replication instance, endpoint, task
    members: ClassVar[dict[str, Any]] = {}  # more Describe members, for the lookup and the wait
    status_queries: ClassVar[list[str] | None] = None  # what the wait logs; default: the status

    def __init__(self, *, identifier: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.identifier = identifier

    def refuse(self, found: dict[str, Any]) -> None:
        """Raise when ``found`` must not be deleted as it is."""

    def execute(self, context: Context) -> str | None:
        found = self.hook.describe_resource(self.resource, self.identifier, **self.members)
        if found is None:
            self.log.info("DMS %s %s does not exist: nothing to delete.", self.kind, self.identifier)
            return None
        arn = found[self.resource.arn_key]
        self.refuse(found)
        if found.get(self.resource.status_key) != "deleting":
            self.hook.delete_resource(self.resource, arn)
        return self.wait(
            Wait(
                self.resource.deleted_waiter,
                {"Filters": self.resource.filters("arn", arn), **self.members},
                f"Deleting DMS {self.kind} {self.identifier}",
                self.status_queries or [self.resource.status_query],
                arn,
            )
        )
