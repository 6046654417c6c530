"""A waiter run one attempt at a time, so a trigger can judge what a waiter acceptor cannot between attempts
(a replication lag against the plan's threshold, a DMS task that stopped while its tables wait)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from airflow.providers.amazon.aws.exceptions import WaiterMaxAttemptsError, WaiterNoCredentialsError
from airflow.providers.amazon.aws.utils.waiter_with_logging import async_wait
from airflow.providers.common.compat.sdk import AirflowException
from airflow.triggers.base import TriggerEvent


class StepwiseWaiterMixin:
    """For ``AwsBaseWaiterTrigger`` subclasses that look between the attempts of their waiter: ``run`` gives
    each attempt's outcome to ``judge``, which ends the wait with an event or lets it go on (a mixin: the
    provider refuses a trigger base class without a hook class)."""

    not_done: str  # what the error event says when the attempts ran out: "<not_done> after N attempts"

    async def judge(self, client: Any, reached: bool) -> tuple[str, str | None] | None:
        """After one attempt (``reached``: the waiter's success state): (status, message) of the event
        that ends the wait, or None to go on."""
        raise NotImplementedError

    async def run(self) -> AsyncIterator[TriggerEvent]:
        hook = self.hook()
        async with await hook.get_async_conn() as client:
            waiter = hook.get_waiter(
                self.waiter_name,
                deferrable=True,
                client=client,
                config_overrides=self.waiter_config_overrides,
            )
            try:
                async for reached in self.waiter_attempts(waiter):
                    if (verdict := await self.judge(client, reached)) is not None:
                        yield self._event(*verdict)
                        return
            except AirflowException as error:
                yield self._event_from_exception(error)
                return
        yield self._event("error", f"{self.not_done} after {self.attempts} attempts")

    def _event(self, status: str, message: str | None = None) -> TriggerEvent:
        payload: dict[str, Any] = {"status": status, self.return_key: self.return_value}
        if message:
            payload["message"] = message
        return TriggerEvent(payload)

    async def waiter_attempts(self, waiter: Any) -> AsyncIterator[bool]:
        """Each attempt's outcome (True: the waiter's success state), ``waiter_delay`` apart, at most
        ``attempts`` of them. The waiter's failure state, or missing credentials, raise AirflowException."""
        for attempt in range(self.attempts):
            if attempt:
                await asyncio.sleep(self.waiter_delay)
            try:
                await async_wait(
                    waiter,
                    self.waiter_delay,
                    1,
                    self.waiter_args,
                    self.failure_message,
                    self.status_message,
                    self.status_queries,
                )
            except WaiterNoCredentialsError:  # a WaiterMaxAttemptsError too: never worth another attempt
                raise
            except WaiterMaxAttemptsError:
                yield False  # not there yet: the waiter logged the states
            else:
                yield True
