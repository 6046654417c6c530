"""Fixtures for the sandbox's integration tests: plain boto3 clients of the sandbox (tests/integration/conftest.py)."""

from __future__ import annotations

import pytest

from sandbox.testing import SandboxHandle


@pytest.fixture
def mgn(sandbox: SandboxHandle):
    return sandbox.client("mgn")


@pytest.fixture
def ec2(sandbox: SandboxHandle):
    return sandbox.client("ec2")
