from __future__ import annotations

import asyncio
import contextlib
from unittest import mock

import pytest
from aiobotocore.stub import AioStubber
from hooks.mgn import MgnHook
from triggers.mgn import MgnJobCompleteTrigger, MgnReplicationReadyTrigger

from tests.unit.plugins.conftest import jid, job, server, sid


class AsyncStub:
    """Responses queued here are answered by the aiobotocore client the trigger opens (AioStubber)."""

    def __init__(self) -> None:
        self.responses: list[tuple[str, dict]] = []
        self.left: int | None = None

    def add_response(self, method: str, response: dict) -> None:
        self.responses.append((method, response))

    @contextlib.asynccontextmanager
    async def client(self, hook: MgnHook):
        async with hook._get_async_conn() as client:
            stubber = AioStubber(client)
            for method, response in self.responses:
                stubber.add_response(method, response)
            with stubber:
                yield client
            self.left = len(stubber._queue)


def _events(trigger, stub: AsyncStub) -> list:
    hook = MgnHook(aws_conn_id=None, region_name="us-east-1")

    async def get_async_conn():
        return stub.client(hook)

    async def collect():
        return [event async for event in trigger.run()]

    with (
        mock.patch.object(type(trigger), "hook", return_value=hook),
        mock.patch.object(hook, "get_async_conn", get_async_conn),
    ):
        events = asyncio.run(collect())
    assert stub.left == 0, "queued responses left unused"
    return events


@pytest.fixture
def stub() -> AsyncStub:
    return AsyncStub()


def test_job_trigger_round_trip():
    trigger = MgnJobCompleteTrigger(
        job_id=jid("j"),
        waiter_delay=3,
        waiter_max_attempts=4,
        aws_conn_id="c",
        region_name="eu-west-1",
        botocore_config={"retries": {"max_attempts": 2}},
    )
    path, kwargs = trigger.serialize()
    assert path == "triggers.mgn.MgnJobCompleteTrigger"
    assert MgnJobCompleteTrigger(**kwargs).serialize() == (path, kwargs)


def test_job_trigger_success_event(stub):
    stubber = stub
    stubber.add_response(
        "describe_jobs", {"items": [job(jid("j"), {sid(1): "IN_PROGRESS"}, status="STARTED")]}
    )
    stubber.add_response("describe_jobs", {"items": [job(jid("j"), {sid(1): "LAUNCHED"})]})
    trigger = MgnJobCompleteTrigger(job_id=jid("j"), waiter_delay=0, waiter_max_attempts=3, aws_conn_id=None)
    events = _events(trigger, stub)
    assert [e.payload for e in events] == [{"status": "success", "job_id": jid("j")}]


def test_job_trigger_error_event_on_failed_launch(stub):
    stub.add_response("describe_jobs", {"items": [job(jid("j"), {sid(1): "FAILED"}, status="STARTED")]})
    trigger = MgnJobCompleteTrigger(job_id=jid("j"), waiter_delay=0, waiter_max_attempts=3, aws_conn_id=None)
    (event,) = _events(trigger, stub)
    assert event.payload["status"] == "error" and event.payload["job_id"] == jid("j")


def replication_trigger(attempts: int) -> MgnReplicationReadyTrigger:
    """Server 1 within 60 s of lag, polled without delay."""
    return MgnReplicationReadyTrigger(
        source_server_ids=[sid(1)],
        max_lag_seconds=60,
        waiter_delay=0,
        waiter_max_attempts=attempts,
        aws_conn_id=None,
    )


def test_replication_trigger_waits_for_lag_after_continuous(stub):
    stubber = stub
    stubber.add_response(
        "describe_source_servers", {"items": [server(1, replication="BACKLOG")]}
    )  # waiter: no
    stubber.add_response("describe_source_servers", {"items": [server(1, lag="PT10M")]})  # waiter: CONTINUOUS
    stubber.add_response(
        "describe_source_servers", {"items": [server(1, lag="PT10M")]}
    )  # lag check: too high
    stubber.add_response("describe_source_servers", {"items": [server(1, lag="PT5S")]})  # waiter
    stubber.add_response("describe_source_servers", {"items": [server(1, lag="PT5S")]})  # lag check: ok
    trigger = replication_trigger(attempts=5)
    events = _events(trigger, stub)
    assert [e.payload for e in events] == [{"status": "success", "source_server_ids": [sid(1)]}]


def test_replication_trigger_gives_up_after_its_attempts(stub):
    stubber = stub
    for _ in range(2):
        stubber.add_response("describe_source_servers", {"items": [server(1, replication="INITIAL_SYNC")]})
    trigger = replication_trigger(attempts=2)
    (event,) = _events(trigger, stub)
    assert event.payload["status"] == "error" and "2 attempts" in event.payload["message"]


def test_replication_trigger_stops_on_stall(stub):
    stub.add_response("describe_source_servers", {"items": [server(1, replication="STALLED")]})
    trigger = replication_trigger(attempts=5)
    (event,) = _events(trigger, stub)
    assert event.payload["status"] == "error"
