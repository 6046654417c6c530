"""A real sandbox per test, reached by the plugins through an Airflow AWS connection (env var)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest

from sandbox.testing import SandboxHandle

CONN_ID = "sandbox_aws"


@pytest.fixture
def aws_conn(sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch) -> str:
    """The connection id the operators get: region and endpoint_url in its extra, dummy keys."""
    conn = {
        "conn_type": "aws",
        "login": "testing",
        "password": "testing",
        "extra": {"region_name": "us-east-1", "endpoint_url": sandbox.endpoint_url},
    }
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", json.dumps(conn))
    return CONN_ID


@pytest.fixture
def mgn(sandbox: SandboxHandle) -> Any:
    return sandbox.client("mgn")


@pytest.fixture
def wave(mgn: Any) -> list[str]:
    """The demo world's source servers, once all replicate CONTINUOUS with a lag (launchable)."""
    from tests.integration.sandbox.helpers import wait_replicating

    return sorted(s["sourceServerID"] for s in wait_replicating(mgn))


@pytest.fixture
def context() -> dict[str, Any]:
    """What execute() reads from a task context: the run's start (job reuse) and the ti (XCom, tags)."""
    ti = mock.MagicMock(dag_id="wave_1", run_id="manual__it", task_id="t", try_number=1)
    return {"ti": ti, "task_instance": ti, "dag_run": SimpleNamespace(start_date=datetime.now(UTC))}
