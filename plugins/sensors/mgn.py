"""Sensors for MGN: a wave ready to launch, a launch (or terminate) job finished on every server."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow.providers.amazon.aws.sensors.base_aws import AwsBaseSensor
from airflow.providers.amazon.aws.utils import validate_execute_complete_event
from airflow.providers.amazon.aws.utils.mixins import aws_template_fields
from airflow.providers.common.compat.sdk import AirflowException, PokeReturnValue, conf
from hooks.mgn import MgnHook
from links.mgn import MgnJobLink, MgnSourceServersLink
from mgn_checks.ids import as_id_list
from mgn_checks.jobs import describe_outcome, job_result, verdict
from mgn_checks.replication import evaluate_replication
from shared.retry import with_retry_defaults
from shared.waiting import WAITER_DELAY, WAITER_MAX_ATTEMPTS, trigger_kwargs
from triggers.mgn import MgnJobCompleteTrigger, MgnReplicationReadyTrigger

if TYPE_CHECKING:
    from airflow.sdk import Context


class _MgnWaitingSensor(AwsBaseSensor[MgnHook]):
    """Poke mode polls every ``waiter_delay`` s for ``waiter_delay * waiter_max_attempts`` s, like the trigger."""

    aws_hook_class = MgnHook

    def __init__(
        self,
        *,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        waiter_delay: int = WAITER_DELAY,
        waiter_max_attempts: int = WAITER_MAX_ATTEMPTS,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("poke_interval", waiter_delay)
        kwargs.setdefault("timeout", waiter_delay * waiter_max_attempts)
        super().__init__(**with_retry_defaults(kwargs))
        self.deferrable = deferrable
        self.waiter_delay = waiter_delay
        self.waiter_max_attempts = waiter_max_attempts

    def persist_link(self, link: type, context: Context, **values: Any) -> None:
        kwargs = {"region_name": self.hook.conn_region_name, "aws_partition": self.hook.conn_partition}
        link.persist(context=context, operator=self, **kwargs, **values)


class MgnReplicationReadySensor(_MgnWaitingSensor):
    """
    Wait until every server of a wave replicates CONTINUOUS with lag under ``max_lag_seconds``.

    One DescribeSourceServers call covers the whole wave per poke, and the log names the laggards. A server
    STALLED, STOPPED or DISCONNECTED fails the task at once: it will not recover without someone acting.
    Deferred, the ``replication_continuous`` waiter covers the states and the trigger compares the parsed
    ``lagDuration`` with the threshold (a waiter acceptor cannot compare a duration string with a number).

    :param source_server_ids: the wave's MGN source server IDs (``s-...``).
    :param max_lag_seconds: the largest acceptable ``lagDuration`` (ISO-8601 in the API, parsed here).
    """

    template_fields: Sequence[str] = aws_template_fields("source_server_ids", "max_lag_seconds")
    operator_extra_links = (MgnSourceServersLink(),)

    def __init__(self, *, source_server_ids: list[str], max_lag_seconds: float = 60, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source_server_ids = source_server_ids
        self.max_lag_seconds = max_lag_seconds

    def execute(self, context: Context) -> Any:
        self.persist_link(MgnSourceServersLink, context)
        if not self.deferrable:
            return super().execute(context=context)
        self.defer(
            trigger=MgnReplicationReadyTrigger(
                source_server_ids=as_id_list(self.source_server_ids),
                max_lag_seconds=float(self.max_lag_seconds),
                **trigger_kwargs(self),
            ),
            method_name="execute_complete",
        )

    def poke(self, context: Context) -> bool:
        ids = as_id_list(self.source_server_ids)
        report = evaluate_replication(
            self.hook.describe_source_servers(ids), ids, float(self.max_lag_seconds)
        )
        self.log.info("Replication of %d servers: %s", len(ids), report.summary())
        if report.blocked or report.missing:
            raise AirflowException(f"MGN replication cannot become ready without action: {report.summary()}")
        return report.all_ready

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> list[str]:
        event = validate_execute_complete_event(event)
        if event["status"] != "success":
            raise AirflowException(f"MGN replication not ready: {event.get('message')}")
        self.log.info(
            "All %d servers replicate CONTINUOUS under %ss lag.",
            len(event["source_server_ids"]),
            self.max_lag_seconds,
        )
        return event["source_server_ids"]


class MgnJobCompleteSensor(_MgnWaitingSensor):
    """
    Wait until an MGN job is COMPLETED with every participating server LAUNCHED (TERMINATED for a terminate
    job); returns ``{source_server_id: ec2_instance_id}`` for the launched instances.

    MGN has no FAILED job status: a COMPLETED job can hold failed launches. So the waiter stops on COMPLETED
    or on any FAILED server, and the outcome is judged here. A failure fails the task with the server, its job
    log items and the next step to take (never a relaunch: retries of the launch task reuse the job).

    :param job_id: the MGN job ID (``mgnjob-...``), usually the XCom of StartTest/StartCutover.
    """

    template_fields: Sequence[str] = aws_template_fields("job_id")
    operator_extra_links = (MgnJobLink(),)

    def __init__(self, *, job_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job_id = job_id

    def execute(self, context: Context) -> Any:
        self.persist_link(MgnJobLink, context, job_id=self.job_id)
        if not self.deferrable:
            return super().execute(context=context)
        self.defer(
            trigger=MgnJobCompleteTrigger(job_id=self.job_id, **trigger_kwargs(self)),
            method_name="execute_complete",
        )

    def poke(self, context: Context) -> PokeReturnValue:
        outcome = describe_outcome(self.hook, self.job_id)
        self.log.info(
            "MGN job %s %s: done %s, pending %s, failed %s",
            self.job_id,
            outcome.status,
            outcome.done,
            outcome.pending,
            outcome.failed,
        )
        if not outcome.finished:
            return PokeReturnValue(is_done=False)
        return PokeReturnValue(is_done=True, xcom_value=verdict(self.hook, outcome))

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> dict[str, str]:
        event = validate_execute_complete_event(event)
        if event["status"] != "success":
            self.log.warning("Waiting for MGN job %s ended: %s", self.job_id, event.get("message"))
        # Judged from the job itself, success or not: the event cannot carry the job log.
        return job_result(self.hook, self.job_id)
