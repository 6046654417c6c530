"""What every integration test shares: the `integration` mark and a real sandbox per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.testing import SandboxHandle, running_sandbox


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture
def sandbox(tmp_path) -> Iterator[SandboxHandle]:
    """The demo world (three replicating source servers) in-process, state under tmp_path."""
    with running_sandbox(state_dir=tmp_path / "state") as handle:
        yield handle
