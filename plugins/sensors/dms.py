"""
Sensors for a DMS task: full load complete, DMS validation complete, CDC lag low enough to cut over.

Each pokes (``deferrable=False``) or defers to a trigger on the same waiter JSON. A deferred wake-up is not
trusted blindly: ``execute_complete`` judges again from every page of the statistics (or the metrics) and
defers once more if the moment passed. The provider's ``DmsTaskCompletedSensor`` waits for ``stopped``,
which a CDC task never reaches; these judge the tables and the metrics instead.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from airflow.providers.amazon.aws.sensors.base_aws import AwsBaseSensor
from airflow.providers.amazon.aws.utils import validate_execute_complete_event
from airflow.providers.amazon.aws.utils.mixins import aws_template_fields
from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException, conf
from dms_checks.lag import evaluate_lag
from dms_checks.tables import TablesReport, evaluate_full_load, evaluate_validation
from hooks.cloudwatch import DmsMetricsHook
from hooks.dms import DmsMigrationHook, resource_id
from links.dms import DmsTaskLink
from shared.retry import with_retry_defaults
from shared.waiting import WAITER_DELAY, WAITER_MAX_ATTEMPTS, trigger_kwargs
from triggers.dms import CdcLagTrigger, DmsTableStatesTrigger

if TYPE_CHECKING:
    from airflow.sdk import Context

HookT = TypeVar("HookT", DmsMigrationHook, DmsMetricsHook)


class _DmsTaskSensor(AwsBaseSensor[HookT]):
    """What the DMS task sensors share: the four waiting parameters (poke mode polls every ``waiter_delay``
    s for delay x attempts), the task's console link, and poking or deferring (``_defer``) as configured."""

    operator_extra_links = (DmsTaskLink(),)

    @staticmethod
    def split_waiting(kwargs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """(the sensor's kwargs with poke_interval/timeout/retries filled, the waiting parameters)."""
        waiting = {
            "waiter_delay": kwargs.pop("waiter_delay", WAITER_DELAY),
            "waiter_max_attempts": kwargs.pop("waiter_max_attempts", WAITER_MAX_ATTEMPTS),
            "deferrable": kwargs.pop(
                "deferrable", conf.getboolean("operators", "default_deferrable", fallback=False)
            ),
        }
        kwargs.setdefault("poke_interval", waiting["waiter_delay"])
        kwargs.setdefault("timeout", waiting["waiter_delay"] * waiting["waiter_max_attempts"])
        return with_retry_defaults(kwargs), waiting

    def set_waiting(self, waiting: dict[str, Any]) -> None:
        self.waiter_delay = waiting["waiter_delay"]
        self.waiter_max_attempts = waiting["waiter_max_attempts"]
        self.deferrable = waiting["deferrable"]

    def persist_task_link(self, context: Context) -> None:
        DmsTaskLink.persist(
            context=context,
            operator=self,
            region_name=self.hook.conn_region_name,
            aws_partition=self.hook.conn_partition,
            task_identifier=resource_id(self.replication_task_arn),
        )

    def execute(self, context: Context) -> Any:
        self.persist_task_link(context)
        if not self.deferrable:
            return super().execute(context=context)
        self._defer()

    def _defer(self) -> None:
        raise NotImplementedError


class _DmsTablesSensor(_DmsTaskSensor[DmsMigrationHook]):
    aws_hook_class = DmsMigrationHook
    template_fields: Sequence[str] = aws_template_fields("replication_task_arn")
    waiter_name: str
    what: str

    def __init__(self, *, replication_task_arn: str, **kwargs: Any) -> None:
        kwargs, waiting = self.split_waiting(kwargs)
        super().__init__(**kwargs)
        self.set_waiting(waiting)
        self.replication_task_arn = replication_task_arn

    def evaluate(self, stats: list[dict[str, Any]]) -> TablesReport:
        raise NotImplementedError

    def fail(self, context: Context, report: TablesReport) -> None:
        raise AirflowFailException(f"DMS {self.what} failed: {report.summary()}")

    def _defer(self) -> None:
        self.defer(
            trigger=DmsTableStatesTrigger(
                replication_task_arn=self.replication_task_arn,
                waiter_name=self.waiter_name,
                **trigger_kwargs(self),
            ),
            method_name="execute_complete",
        )

    def judge(self, context: Context) -> dict[str, str] | None:
        """The table states when done, None while waiting; fails on a failed table or task."""
        task = self.hook.get_task_description(self.replication_task_arn)
        if task is None:
            raise AirflowException(f"DMS task {self.replication_task_arn} not found")
        report = self.evaluate(self.hook.describe_table_statistics(self.replication_task_arn))
        self.log.info(
            "DMS %s of %s (%s): %s",
            self.what,
            task["ReplicationTaskIdentifier"],
            task["Status"],
            report.summary(),
        )
        if report.failed:
            self.fail(context, report)
        if report.finished:
            return dict.fromkeys(report.done, "done")
        if task["Status"] in ("failed", "stopped", "deleting"):
            reason = "; ".join(str(task[k]) for k in ("StopReason", "LastFailureMessage") if task.get(k))
            raise AirflowException(f"DMS task is {task['Status']} ({reason}) before its {self.what} finished")
        return None

    def poke(self, context: Context) -> bool:
        result = self.judge(context)
        if result is not None:
            context["ti"].xcom_push(key="tables", value=result)
        return result is not None

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> dict[str, str]:
        event = validate_execute_complete_event(event)
        if event["status"] != "success":
            self.log.warning("Deferred wait ended: %s", event.get("message"))
        result = self.judge(context)
        if result is None:
            if event["status"] != "success":
                raise AirflowException(f"DMS {self.what} not finished: {event.get('message')}")
            self._defer()
        context["ti"].xcom_push(key="tables", value=result)  # as in poke mode: the gate body reads it
        return result


class DmsFullLoadCompleteSensor(_DmsTablesSensor):
    """
    Wait until every table of the task is ``Table completed`` (the task may keep running: CDC). An errored
    table fails the task, named with its state and error rows.
    """

    waiter_name = "full_load_complete"
    what = "full load"

    def evaluate(self, stats: list[dict[str, Any]]) -> TablesReport:
        return evaluate_full_load(stats)


class DmsValidationCompleteSensor(_DmsTablesSensor):
    """
    Wait until every table is ``Validated``. Mismatches fail the task with a summary read from the target's
    ``awsdms_validation_failures_v1`` (counts per table and failure type, sample keys, never row values),
    pushed to XCom ``validation_failures`` first.

    :param target: the target database as plain values (engine, database, host, port, secret_arn/conn_id).
    :param control_schema: ``ControlTablesSettings.ControlSchema`` when the plan sets one.
    """

    waiter_name = "validation_complete"
    what = "validation"
    template_fields: Sequence[str] = aws_template_fields("replication_task_arn", "target")

    def __init__(
        self, *, target: dict[str, Any] | None = None, control_schema: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.target = target
        self.control_schema = control_schema

    def evaluate(self, stats: list[dict[str, Any]]) -> TablesReport:
        return evaluate_validation(stats)

    def fail(self, context: Context, report: TablesReport) -> None:
        lines = [f"DMS validation failed: {report.summary()}"]
        summary: dict[str, Any] = {"tables": report.failed}
        if self.target:
            from hooks.validation_failures import failure_summary

            aws = {"aws_conn_id": self.aws_conn_id, "region_name": self.region_name, "verify": self.verify}
            failures = failure_summary(self.target, aws, self.replication_task_arn, self.control_schema)
            summary["failures"] = failures.as_dict()
            lines += [f"  {line}" for line in failures.lines()] or ["  (no rows in the failures table)"]
        context["ti"].xcom_push(key="validation_failures", value=summary)
        raise AirflowFailException("\n".join(lines))


class DmsCdcLagSensor(_DmsTaskSensor[DmsMetricsHook]):
    """
    Wait until ``CDCLatencySource`` and ``CDCLatencyTarget`` (CloudWatch ``AWS/DMS``) were both at or under
    ``max_lag_seconds`` for the newest ``consecutive_datapoints`` datapoints of ``period`` seconds. A quiet
    source reports 0 while a backlog still waits on the target side: the source alone never passes, and a
    missing series never passes.

    :param instance_identifier: the replication instance's identifier (metric dimension).
    :param replication_task_arn: the task; its resource id (ARN suffix) is the task dimension.
    :return: ``{"passed", "latest": {metric: seconds}, "reason"}``.
    """

    aws_hook_class = DmsMetricsHook
    template_fields: Sequence[str] = aws_template_fields(
        "instance_identifier", "replication_task_arn", "max_lag_seconds"
    )

    def __init__(
        self,
        *,
        instance_identifier: str,
        replication_task_arn: str,
        max_lag_seconds: float = 5,
        consecutive_datapoints: int = 3,
        period: int = 60,
        **kwargs: Any,
    ) -> None:
        kwargs, waiting = self.split_waiting(kwargs)
        super().__init__(**kwargs)
        self.set_waiting(waiting)
        self.instance_identifier = instance_identifier
        self.replication_task_arn = replication_task_arn
        self.max_lag_seconds = max_lag_seconds
        self.consecutive_datapoints = consecutive_datapoints
        self.period = period

    def report(self) -> dict[str, Any]:
        series = self.hook.get_task_metrics(
            self.instance_identifier.lower(),
            resource_id(self.replication_task_arn),
            window=timedelta(seconds=int(self.period) * (int(self.consecutive_datapoints) + 2)),
            period=int(self.period),
        )
        report = evaluate_lag(series, float(self.max_lag_seconds), int(self.consecutive_datapoints))
        self.log.info("CDC latency %s: %s", report.latest, report.reason)
        return report.as_dict()

    def _defer(self) -> None:
        now = int(time.time())
        back = int(self.period) * (int(self.consecutive_datapoints) + 2)
        ahead = int(self.waiter_delay) * int(self.waiter_max_attempts) + int(self.period)
        self.defer(
            trigger=CdcLagTrigger(
                instance_identifier=self.instance_identifier.lower(),
                task_resource_id=resource_id(self.replication_task_arn),
                max_lag_seconds=float(self.max_lag_seconds),
                datapoints=int(self.consecutive_datapoints),
                period=int(self.period),
                start_time=now - back,
                end_time=now + ahead,
                **trigger_kwargs(self),
            ),
            method_name="execute_complete",
        )

    def poke(self, context: Context) -> Any:
        from airflow.providers.common.compat.sdk import PokeReturnValue

        report = self.report()
        return PokeReturnValue(is_done=report["passed"], xcom_value=report)

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> dict[str, Any]:
        event = validate_execute_complete_event(event)
        if event["status"] != "success":
            raise AirflowException(
                f"CDC latency did not fall under {self.max_lag_seconds}s: {event.get('message')}"
            )
        report = self.report()
        if not report["passed"]:
            self.log.info("Latency rose again since the trigger fired: waiting more.")
            self._defer()
        return report
