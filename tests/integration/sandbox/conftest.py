"""Fixtures for the sandbox's integration tests: a real sandbox per test, reached with plain boto3."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.testing import SandboxHandle, running_sandbox


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration/sandbox" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture
def sandbox(tmp_path) -> Iterator[SandboxHandle]:
    """The demo world (three replicating source servers) in-process, state under tmp_path."""
    with running_sandbox(state_dir=tmp_path / "state") as handle:
        yield handle


@pytest.fixture
def mgn(sandbox: SandboxHandle):
    return sandbox.client("mgn")


@pytest.fixture
def ec2(sandbox: SandboxHandle):
    return sandbox.client("ec2")
