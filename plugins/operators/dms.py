"""
DMS replication task operators: create (idempotent), start (a retry resumes), stop, delete.

The provider's ``DmsCreateTaskOperator`` creates a second task on a retry and ``DmsStartTaskOperator``
restarts a CDC task (on PostgreSQL that recreates the replication slot). These describe first:
- create: the task ``identifier`` with the same settings is reused; stopped/ready/failed with other settings
  is modified; running with other settings fails with the differing fields (stop it first);
- start: ``ready`` (never ran) starts; ``stopped``/``failed`` resumes (``resume-processing``); running or
  starting is left alone; a full-load task that finished (FULL_LOAD_ONLY_FINISHED) is not loaded again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.providers.amazon.aws.utils.mixins import aws_template_fields
from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException
from hooks.dms import TASK, resource_id, task_filters
from links.dms import DmsTaskLink

from operators.dms_base import DmsBaseOperator, DmsDeleteOperator, Wait

if TYPE_CHECKING:
    from airflow.sdk import Context

TASK_STATUS = ["ReplicationTasks[0].Status", "ReplicationTasks[0].StopReason"]
MODIFIABLE = frozenset({"ready", "stopped", "failed"})
FULL_LOAD_FINISHED = "FULL_LOAD_ONLY_FINISHED"


def _as_dict(value: dict[str, Any] | str | None) -> dict[str, Any]:
    if value is None or value == "":
        return {}
    return json.loads(value) if isinstance(value, str) else dict(value)


def settings_differences(wanted: Any, actual: Any, path: str = "") -> list[str]:
    """Paths where ``actual`` differs from ``wanted``; keys the plan leaves out are DMS's business."""
    if isinstance(wanted, dict) and isinstance(actual, dict):
        return [
            diff
            for key, value in wanted.items()
            for diff in settings_differences(value, actual.get(key), f"{path}.{key}" if path else key)
        ]
    return [] if wanted == actual else [path or "(root)"]


def normalized_mappings(mappings: dict[str, Any] | str) -> list[dict[str, Any]]:
    """Rules in rule-id order, ids as text, empty members dropped: how two mapping documents compare."""
    rules = _as_dict(mappings).get("rules", [])
    clean = [
        {k: (str(v) if k == "rule-id" else v) for k, v in r.items() if v not in (None, [], {})} for r in rules
    ]
    return sorted(clean, key=lambda r: (len(r.get("rule-id", "")), r.get("rule-id", "")))


class _TaskOperator(DmsBaseOperator):
    operator_extra_links: ClassVar[tuple] = (DmsTaskLink(),)

    def task_wait(self, waiter: str, task_arn: str, what: str) -> Wait:
        return Wait(
            waiter, {"Filters": task_filters(task_arn), "WithoutSettings": True}, what, TASK_STATUS, task_arn
        )

    def settle(self, waiter: str, task_arn: str) -> None:
        """A short blocking wait for a transition already under way (compared or acted on right after)."""
        self.hook.get_waiter(waiter).wait(
            Filters=task_filters(task_arn),
            WithoutSettings=True,
            WaiterConfig={"Delay": int(self.waiter_delay), "MaxAttempts": int(self.waiter_max_attempts)},
        )

    def describe_arn(self, task_arn: str) -> dict[str, Any]:
        tasks = self.hook.find_replication_tasks_by_arn(task_arn, without_settings=True)
        if not tasks:
            raise AirflowException(f"DMS replication task {task_arn} not found (deleted? wrong region?)")
        return tasks[0]

    def explain_failure(self, value: Any) -> str:
        if not isinstance(value, str):
            return ""
        tasks = self.hook.find_replication_tasks_by_arn(value, without_settings=True)
        if not tasks:
            return ""
        task = tasks[0]
        parts = [f"{k}: {task[k]}" for k in ("Status", "StopReason", "LastFailureMessage") if task.get(k)]
        return " (" + "; ".join(parts) + ")" if parts else ""


class DmsCreateTaskOperator(_TaskOperator):
    """
    Create the replication task ``identifier``, or reuse/modify the existing one (see the module doc).

    :param table_mappings: the DMS table-mapping document (dict or JSON text).
    :param task_settings: the plan's task settings (only the keys given are compared and sent).
    :return: the task ARN.
    """

    template_fields: Sequence[str] = aws_template_fields(
        "identifier", "source_endpoint_arn", "target_endpoint_arn", "replication_instance_arn"
    )

    def __init__(
        self,
        *,
        identifier: str,
        source_endpoint_arn: str,
        target_endpoint_arn: str,
        replication_instance_arn: str,
        migration_type: str,
        table_mappings: dict[str, Any] | str,
        task_settings: dict[str, Any] | str | None = None,
        create_kwargs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.identifier = identifier
        self.source_endpoint_arn = source_endpoint_arn
        self.target_endpoint_arn = target_endpoint_arn
        self.replication_instance_arn = replication_instance_arn
        self.migration_type = migration_type
        self.table_mappings = table_mappings
        self.task_settings = task_settings
        self.create_kwargs = create_kwargs or {}

    def differences(self, task: dict[str, Any]) -> tuple[list[str], list[str]]:
        """(fixed members that differ and cannot be modified, modifiable members that differ)."""
        fixed = [
            name
            for name, wanted in (
                ("SourceEndpointArn", self.source_endpoint_arn),
                ("TargetEndpointArn", self.target_endpoint_arn),
                ("ReplicationInstanceArn", self.replication_instance_arn),
            )
            if task.get(name) != wanted
        ]
        changed = [] if task.get("MigrationType") == self.migration_type else ["MigrationType"]
        if normalized_mappings(task.get("TableMappings") or "{}") != normalized_mappings(self.table_mappings):
            changed.append("TableMappings")
        changed += [
            f"ReplicationTaskSettings.{p}"
            for p in settings_differences(
                _as_dict(self.task_settings), _as_dict(task.get("ReplicationTaskSettings"))
            )
        ]
        return fixed, changed

    def execute(self, context: Context) -> str:
        self.persist_task_link(context, self.identifier.lower())
        task = self.hook.describe_task(self.identifier)
        if task is None:
            return self.create()
        arn = task["ReplicationTaskArn"]
        if task["Status"] in ("creating", "modifying"):
            self.settle("task_created" if task["Status"] == "creating" else "task_modified", arn)
            task = self.hook.describe_task(self.identifier) or task
        if task["Status"] == "deleting":
            raise AirflowException(f"DMS task {self.identifier} is being deleted: retry when it is gone")
        fixed, changed = self.differences(task)
        if fixed:
            raise AirflowFailException(
                f"DMS task {self.identifier} exists with other {', '.join(fixed)} (they cannot be modified): "
                "delete the task, or give the database another name in the plan"
            )
        if not changed:
            self.log.info("Reusing DMS task %s (%s): same settings.", self.identifier, task["Status"])
            return arn
        if task["Status"] not in MODIFIABLE:
            raise AirflowFailException(
                f"DMS task {self.identifier} is {task['Status']} with other settings ({', '.join(changed)}): "
                "a running task is not modified; stop it first (or keep the plan's settings as they are)"
            )
        self.log.info("Modifying DMS task %s (%s): %s.", self.identifier, task["Status"], ", ".join(changed))
        self.hook.modify_task(arn, **self.modifiable_members())
        return self.wait(self.task_wait("task_modified", arn, f"Modifying DMS task {self.identifier}"))

    def modifiable_members(self) -> dict[str, Any]:
        members = {
            "MigrationType": self.migration_type,
            "TableMappings": json.dumps(_as_dict(self.table_mappings)),
        }
        if self.task_settings:
            members["ReplicationTaskSettings"] = json.dumps(_as_dict(self.task_settings))
        return members

    def create(self) -> str:
        task = self.hook.create_task(
            ReplicationTaskIdentifier=self.identifier,
            SourceEndpointArn=self.source_endpoint_arn,
            TargetEndpointArn=self.target_endpoint_arn,
            ReplicationInstanceArn=self.replication_instance_arn,
            **self.modifiable_members(),
            **self.create_kwargs,
        )
        self.log.info("Created DMS task %s (%s).", self.identifier, self.migration_type)
        arn = task["ReplicationTaskArn"]
        return self.wait(self.task_wait("task_created", arn, f"Creating DMS task {self.identifier}"))


class DmsStartTaskOperator(_TaskOperator):
    """
    Start the task, or resume it; never restart it (see the module doc). ``start_type`` forces one start
    type (``reload-target`` to load again on purpose). Waits until ``running`` (or finished, for a quick
    full load).

    :return: the task ARN.
    """

    template_fields: Sequence[str] = aws_template_fields("replication_task_arn", "start_type")

    def __init__(
        self,
        *,
        replication_task_arn: str,
        start_type: str | None = None,
        start_kwargs: dict | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.replication_task_arn = replication_task_arn
        self.start_type = start_type
        self.start_kwargs = start_kwargs or {}

    def choose_start(self, task: dict[str, Any]) -> str | None:
        status, reason = task["Status"], task.get("StopReason") or ""
        if self.start_type:
            return self.start_type
        if status in ("running", "starting"):
            return None
        if status == "ready":
            return "start-replication"
        if status == "stopped" and FULL_LOAD_FINISHED in reason and task.get("MigrationType") == "full-load":
            return None
        if status in ("stopped", "failed"):
            return "resume-processing"
        raise AirflowException(
            f"DMS task {task['ReplicationTaskIdentifier']} is {status}: cannot start it now"
        )

    def execute(self, context: Context) -> str:
        arn = self.replication_task_arn
        task = self.describe_arn(arn)
        self.persist_task_link(context, task["ReplicationTaskIdentifier"])
        if task["Status"] == "stopping":
            self.log.info("DMS task is stopping: waiting until it stopped before resuming.")
            self.settle("task_stopped", arn)
            task = self.describe_arn(arn)
        start_type = self.choose_start(task)
        if start_type is None:
            self.log.info(
                "DMS task %s is %s (%s): not started again.",
                task["ReplicationTaskIdentifier"],
                task["Status"],
                task.get("StopReason", ""),
            )
        else:
            self.log.info("Starting DMS task %s with %s.", task["ReplicationTaskIdentifier"], start_type)
            self.hook.start_task(arn, start_type, **self.start_kwargs)
        return self.wait(self.task_wait("task_running", arn, f"DMS task {resource_id(arn)} start"))


class DmsStopTaskOperator(_TaskOperator):
    """Stop the task (running or starting) and wait until ``stopped``; a task not running is left alone."""

    template_fields: Sequence[str] = aws_template_fields("replication_task_arn")

    def __init__(self, *, replication_task_arn: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.replication_task_arn = replication_task_arn

    def execute(self, context: Context) -> str:
        arn = self.replication_task_arn
        task = self.describe_arn(arn)
        self.persist_task_link(context, task["ReplicationTaskIdentifier"])
        if task["Status"] in ("ready", "stopped", "failed"):
            self.log.info(
                "DMS task %s is %s: nothing to stop.", task["ReplicationTaskIdentifier"], task["Status"]
            )
            return arn
        if task["Status"] == "running":
            self.hook.stop_task(arn)
        return self.wait(self.task_wait("task_stopped", arn, f"Stopping DMS task {resource_id(arn)}"))


class DmsDeleteTaskOperator(_TaskOperator, DmsDeleteOperator):
    """Delete the task ``identifier`` and wait until it is gone; gone already is fine, running is an error."""

    resource, kind, members, status_queries = TASK, "task", {"WithoutSettings": True}, TASK_STATUS

    def refuse(self, found: dict[str, Any]) -> None:
        if found["Status"] in ("running", "starting", "stopping"):
            raise AirflowException(
                f"DMS task {self.identifier} is {found['Status']}: stop it before deleting it"
            )
