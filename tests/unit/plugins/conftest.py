"""Shared pieces for the plugin unit tests: fake credentials, botocore Stubbers on hooks, MGN items."""

from __future__ import annotations

import string
from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest
from botocore.stub import Stubber

RUN_START = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def sid(n: int) -> str:
    """A source server ID of the model's length (s- + 17)."""
    return f"s-{n:017d}"


def jid(tag: str) -> str:
    return "mgnjob-" + (tag + string.ascii_lowercase * 2)[:17]


def server(
    n: int,
    *,
    state: str = "READY_FOR_TEST",
    replication: str = "CONTINUOUS",
    lag: str | None = "PT1S",
    **extra: Any,
) -> dict[str, Any]:
    info: dict[str, Any] = {"dataReplicationState": replication}
    if lag:
        info["lagDuration"] = lag
    return {
        "sourceServerID": sid(n),
        "arn": f"arn:aws:mgn:us-east-1:123456789012:source-server/{sid(n)}",
        "isArchived": False,
        "dataReplicationInfo": info,
        "lifeCycle": {"state": state, **extra.pop("lifecycle", {})},
        "sourceProperties": {"identificationHints": {"hostname": f"host{n}"}},
        **extra,
    }


def job(job_id: str, statuses: dict[str, str], *, status: str = "COMPLETED", **extra: Any) -> dict[str, Any]:
    return {
        "jobID": job_id,
        "type": extra.pop("type", "LAUNCH"),
        "initiatedBy": extra.pop("initiatedBy", "START_TEST"),
        "status": status,
        "creationDateTime": "2026-11-26T12:01:00Z",
        "participatingServers": [
            {"sourceServerID": s, "launchStatus": st, "launchedEc2InstanceID": f"i-{k:017x}"}
            for k, (s, st) in enumerate(statuses.items(), start=1)
        ],
        **extra,
    }


@pytest.fixture(autouse=True)
def _fake_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def stub() -> Iterator[Any]:
    """``stub(hook)`` -> an active Stubber on the hook's client; all queued responses must be used."""
    stubbers: list[Stubber] = []

    def make(hook: Any) -> Stubber:
        stubber = Stubber(hook.conn)
        if hasattr(type(hook), "single_attempt_conn"):  # one stubbed client for both
            hook.__dict__["single_attempt_conn"] = hook.conn
        stubber.activate()
        stubbers.append(stubber)
        return stubber

    yield make
    for stubber in stubbers:
        stubber.assert_no_pending_responses()
        stubber.deactivate()


@pytest.fixture
def context() -> dict[str, Any]:
    ti = mock.MagicMock(dag_id="wave_1", run_id="manual__1", task_id="t", try_number=1)
    return {"ti": ti, "task_instance": ti, "dag_run": SimpleNamespace(start_date=RUN_START)}
