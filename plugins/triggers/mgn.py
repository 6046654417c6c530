"""Deferrable waits on MGN: a job finishing, a wave's replication becoming ready to launch.

Both run on the provider's ``AwsBaseWaiterTrigger`` with an aiobotocore client: the waiter JSON is the one
the blocking path uses (``hooks/waiters/mgn.json``), so poke and deferred modes judge the same states.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.amazon.aws.triggers.base import AwsBaseWaiterTrigger
from hooks.mgn import MgnHook
from mgn_checks.replication import evaluate_replication
from shared.waiting import WAITER_DELAY, WAITER_MAX_ATTEMPTS

from triggers.stepwise import StepwiseWaiterMixin
from triggers.waiter import Wait


class MgnJobCompleteTrigger(AwsBaseWaiterTrigger):
    """
    Fire when an MGN job is COMPLETED, or as soon as one participating server's launch FAILED.

    The event only says the job stopped moving; the sensor then judges the outcome (every server LAUNCHED,
    or TERMINATED for a terminate job) and, on failure, reads the job log to explain it.

    :param aws: ``aws_conn_id``, ``region_name``, ``verify``, ``botocore_config`` (``shared.waiting.trigger_kwargs``).
    """

    aws_hook_class = MgnHook

    def __init__(
        self,
        *,
        job_id: str,
        waiter_delay: int = WAITER_DELAY,
        waiter_max_attempts: int = WAITER_MAX_ATTEMPTS,
        **aws: Any,
    ) -> None:
        wait = Wait(
            waiter_name="job_completed",
            waiter_args={"filters": {"jobIDs": [job_id]}},
            failure_message=f"MGN job {job_id} failed",
            status_message=f"MGN job {job_id} status",
            status_queries=["items[0].status", "items[0].participatingServers[].launchStatus"],
        )
        super().__init__(
            **wait.arguments(
                {"job_id": job_id},
                "job_id",
                waiter_delay=waiter_delay,
                waiter_max_attempts=waiter_max_attempts,
                **aws,
            )
        )


class MgnReplicationReadyTrigger(StepwiseWaiterMixin, AwsBaseWaiterTrigger):
    """
    Fire when every server of a wave replicates CONTINUOUS with a lag under ``max_lag_seconds``.

    The waiter (``replication_continuous``) covers the states: all CONTINUOUS is its success, STALLED,
    STOPPED or DISCONNECTED its failure. A waiter cannot compare ``lagDuration`` (an ISO-8601 string such as
    ``PT2M30S``) with a threshold chosen per plan, so after the waiter succeeds this trigger parses the lag
    in Python and, while some server lags, goes on polling within the same attempt budget.

    :param aws: as for ``MgnJobCompleteTrigger``.
    """

    aws_hook_class = MgnHook
    not_done = "MGN replication not ready"

    def __init__(
        self,
        *,
        source_server_ids: list[str],
        max_lag_seconds: float,
        waiter_delay: int = WAITER_DELAY,
        waiter_max_attempts: int = WAITER_MAX_ATTEMPTS,
        **aws: Any,
    ) -> None:
        self.source_server_ids = list(source_server_ids)
        self.max_lag_seconds = max_lag_seconds
        wait = Wait(
            waiter_name="replication_continuous",
            waiter_args={"filters": {"sourceServerIDs": self.source_server_ids}, "maxResults": 1000},
            failure_message="MGN replication cannot become ready without action",
            status_message="MGN replication states",
            status_queries=["items[].[sourceServerID, dataReplicationInfo.dataReplicationState]"],
        )
        fields = {"source_server_ids": self.source_server_ids, "max_lag_seconds": max_lag_seconds}
        super().__init__(
            **wait.arguments(
                fields,
                "source_server_ids",
                waiter_delay=waiter_delay,
                waiter_max_attempts=waiter_max_attempts,
                **aws,
            )
        )

    async def _servers(self, client: Any) -> list[dict[str, Any]]:
        paginator = client.get_paginator("describe_source_servers")
        pages = paginator.paginate(filters={"sourceServerIDs": self.source_server_ids}, maxResults=1000)
        return [item async for page in pages for item in page.get("items", [])]

    async def judge(self, client: Any, reached: bool) -> tuple[str, str | None] | None:
        if not reached:  # not all CONTINUOUS yet
            return None
        report = evaluate_replication(
            await self._servers(client), self.source_server_ids, self.max_lag_seconds
        )
        if report.all_ready:
            return "success", None
        self.log.info("MGN replication not ready: %s", report.summary())
        return ("error", report.summary()) if report.blocked or report.missing else None
