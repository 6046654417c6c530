"""The base of the operators that start an MGN job (launch, terminate): start it at most once per attempt,
tag it with the run that started it, and wait for it with the provider's four waiting parameters."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.providers.amazon.aws.exceptions import WaiterTerminalFailure
from airflow.providers.amazon.aws.utils import validate_execute_complete_event
from airflow.providers.amazon.aws.utils.waiter_with_logging import wait
from airflow.providers.common.compat.sdk import conf
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError
from links.mgn import MgnJobLink, MgnSourceServersLink
from mgn_checks.jobs import job_result
from mgn_checks.provenance import run_tags
from shared.waiting import WAITER_DELAY, WAITER_MAX_ATTEMPTS, trigger_kwargs
from triggers.mgn import MgnJobCompleteTrigger

from operators.mgn.wave_base import MgnWaveOperator

if TYPE_CHECKING:
    from airflow.sdk import Context

TRANSIENT_ERROR_CODES = frozenset(
    {"ThrottlingException", "InternalServerException", "ServiceUnavailableException", "RequestTimeout"}
)
TRANSIENT_HTTP_STATUS = frozenset({429, 500, 502, 503, 504})


def _transient(error: Exception) -> bool:
    """Worth another try: throttling, 5xx, a connection dropped (botocore would retry these itself)."""
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return code in TRANSIENT_ERROR_CODES or status in TRANSIENT_HTTP_STATUS
    return isinstance(error, BotoConnectionError | HTTPClientError)


class MgnJobOperator(MgnWaveOperator):
    """A wave operator that starts one MGN job and can wait for it with the four standard parameters."""

    operator_extra_links: ClassVar[tuple] = (MgnSourceServersLink(), MgnJobLink())

    def __init__(
        self,
        *,
        wait_for_completion: bool = False,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        waiter_delay: int = WAITER_DELAY,
        waiter_max_attempts: int = WAITER_MAX_ATTEMPTS,
        tags: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.wait_for_completion = wait_for_completion
        self.deferrable = deferrable
        self.waiter_delay = waiter_delay
        self.waiter_max_attempts = waiter_max_attempts
        self.tags = tags

    start_attempts: ClassVar[int] = 5
    start_pause: ClassVar[float] = 2.0

    def start_job(
        self, start: Callable[[], dict[str, Any]], started_meanwhile: Callable[[], str | None]
    ) -> str:
        """
        Call a job-starting API at most once per attempt, and before each new attempt look whether MGN acted
        on the previous one (a 5xx or a timeout can come after the job was created).
        """
        for attempt in range(1, self.start_attempts + 1):
            try:
                return start()["jobID"]
            except (ClientError, BotoCoreError) as error:
                if attempt == self.start_attempts or not _transient(error):
                    raise
                pause = min(self.start_pause * 2 ** (attempt - 1), 30)
                self.log.warning(
                    "Starting the MGN job failed (%s); checking in %.0fs whether it started.", error, pause
                )
                time.sleep(pause)
                if job_id := started_meanwhile():
                    self.log.info("MGN had started job %s despite the error: using it.", job_id)
                    return job_id
        raise AssertionError("unreachable")

    def job_tags(self, context: Context) -> dict[str, str]:
        """Provenance on the job (visible in the console and DescribeJobs): which DAG run started it."""
        ti = context.get("ti")
        return {
            **run_tags(getattr(ti, "dag_id", None), getattr(ti, "run_id", None), self.task_id),
            **(self.tags or {}),
        }

    def finish(self, context: Context, job_id: str) -> str:
        self.persist_links(context, job_id=job_id)
        if not self.wait_for_completion:
            return job_id
        if self.deferrable:
            self.defer(
                trigger=MgnJobCompleteTrigger(job_id=job_id, **trigger_kwargs(self)),
                method_name="execute_complete",
            )
        # A FAILED server ends the wait early; job_result then explains it with the job log.
        with contextlib.suppress(WaiterTerminalFailure):
            wait(
                waiter=self.hook.get_waiter("job_completed"),
                waiter_delay=int(self.waiter_delay),
                waiter_max_attempts=int(self.waiter_max_attempts),
                args={"filters": {"jobIDs": [job_id]}},
                failure_message=f"MGN job {job_id} failed",
                status_message=f"MGN job {job_id} status",
                status_args=["items[0].status", "items[0].participatingServers[].launchStatus"],
            )
        job_result(self.hook, job_id)
        return job_id

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> str:
        event = validate_execute_complete_event(event)
        job_result(self.hook, event["job_id"])
        return event["job_id"]
