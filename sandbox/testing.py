"""Helpers for tests (this project's and other engineers'): a real sandbox on a free port.

    with running_sandbox() as sandbox:
        mgn = sandbox.client("mgn")
        mgn.describe_source_servers()

In-process by default (a thread; fast); `subprocess=True` runs `python -m sandbox` for restart tests.
Unless the config sets `network`, the apps get random loopback /24s so parallel sandboxes never collide.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import socket
import subprocess as sp
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import requests
import yaml
from botocore.config import Config

from sandbox.config import DEMO_CONFIG, SandboxConfig

REPO_ROOT = Path(__file__).resolve().parent.parent


def include_all(schema: str = "%", table: str = "%", rename: str | None = None) -> dict[str, Any]:
    """DMS table mappings selecting every table of `schema` (both: every one), a new dict each call;
    `rename`: the target schema's name (a schema rule with a schema-only object-locator, as DMS allows)."""
    rules: list[dict[str, Any]] = [
        {
            "rule-type": "selection",
            "rule-id": "1",
            "rule-name": "all",
            "object-locator": {"schema-name": schema, "table-name": table},
            "rule-action": "include",
        }
    ]
    if rename:
        rules.append(
            {
                "rule-type": "transformation",
                "rule-id": "2",
                "rule-name": "schema",
                "rule-target": "schema",
                "object-locator": {"schema-name": schema},
                "rule-action": "rename",
                "value": rename,
            }
        )
    return {"rules": rules}


def wait_for(
    predicate: Callable[[], Any], timeout: float = 20, interval: float = 0.05, what: str = ""
) -> Any:
    """The predicate's first truthy value, polled every `interval` s; an AssertionError (an expectation of
    a test or a walk not met) after `timeout` s."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what or predicate}: last={last!r}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _config_dict(config: Path | str | dict | SandboxConfig | None) -> dict[str, Any]:
    if config is None:
        data: dict[str, Any] = json.loads(json.dumps(DEMO_CONFIG))
    elif isinstance(config, SandboxConfig):
        data = config.model_dump(exclude_unset=True)
    elif isinstance(config, dict):
        data = json.loads(json.dumps(config))
    else:
        data = yaml.safe_load(Path(config).read_text()) or {}
    if "network" not in data:
        # about 30,000 prefix pairs: parallel workers (and other projects' sandboxes) almost never meet
        second, third = random.randint(10, 250), 2 * random.randint(0, 126)
        data["network"] = {
            "source_prefix": f"127.{second}.{third}",
            "instance_prefix": f"127.{second}.{third + 1}",
        }
    return data


class SandboxHandle:
    """What a test holds: the endpoint, boto3 clients for it, and the fault switch."""

    def __init__(
        self, endpoint_url: str, port: int, state_dir: Path, stopper: Any, server: Any = None
    ) -> None:
        self.server = server  # the in-process SandboxServer (None for a subprocess): .world, .services
        self.endpoint_url = endpoint_url
        self.port = port
        self.state_dir = state_dir
        self._stopper = stopper
        self._stopped = False

    def client(self, service_name: str, *, max_attempts: int = 10, **kwargs: Any) -> Any:
        """A real boto3 client on the sandbox: dummy credentials, us-east-1, standard retries."""
        config = Config(
            retries={"mode": "standard", "max_attempts": max_attempts}, **kwargs.pop("config_kwargs", {})
        )
        return boto3.client(
            service_name,
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=config,
            **kwargs,
        )

    def faults(self, reset: bool = False, **settings: Any) -> dict[str, Any]:
        """No arguments: the current faults. Otherwise merge them in (`reset=True` clears first)."""
        if not settings and not reset:
            return requests.get(f"{self.endpoint_url}/_sandbox/faults", timeout=10).json()
        payload = {**settings, **({"reset": True} if reset else {})}
        response = requests.post(f"{self.endpoint_url}/_sandbox/faults", json=payload, timeout=10)
        response.raise_for_status()
        return response.json()

    def servers(self) -> dict[str, Any]:
        """Source apps and launched instances with their addresses (GET /_sandbox/servers)."""
        return requests.get(f"{self.endpoint_url}/_sandbox/servers", timeout=10).json()

    def stop(self) -> None:
        if not self._stopped:
            self._stopped = True
            self._stopper()


def wait_healthy(endpoint_url: str, timeout: float = 30, process: sp.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"sandbox exited with {process.returncode}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{endpoint_url}/_sandbox/health", timeout=1).status_code == 200:
                return
        time.sleep(0.05)
    raise TimeoutError(f"sandbox at {endpoint_url} not healthy after {timeout}s")


@contextlib.contextmanager
def running_sandbox(
    config: Path | str | dict | SandboxConfig | None = None,
    state_dir: Path | None = None,
    *,
    subprocess: bool = False,
    port: int | None = None,
    reset_moto: bool = False,
) -> Iterator[SandboxHandle]:
    """A sandbox serving `config` (default: the demo world) with its state in `state_dir` (default: a temp dir).

    In-process sandboxes share moto's process-global state (like one long-running moto server): resources
    a previous test made are still there. `reset_moto=True` clears every moto backend first (about a
    second more, as moto rebuilds EC2); never do it while another in-process sandbox is in use.
    """
    if reset_moto and not subprocess:
        from moto.moto_api._internal.models import moto_api_backend

        moto_api_backend.reset()
    data = _config_dict(config)
    with contextlib.ExitStack() as stack:
        if state_dir is None:
            state_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mgn-sandbox-")))
        state_dir = Path(state_dir)
        handle = (
            _start_subprocess(data, state_dir, port or free_port())
            if subprocess
            else _start_thread(data, state_dir, port or 0)
        )
        try:
            yield handle
        finally:
            handle.stop()


def _start_thread(data: dict[str, Any], state_dir: Path, port: int) -> SandboxHandle:
    from sandbox.server import SandboxServer

    server = SandboxServer(data, state_dir, port=port).start()
    wait_healthy(server.endpoint_url)
    return SandboxHandle(server.endpoint_url, server.port, state_dir, server.stop, server)


def _start_subprocess(data: dict[str, Any], state_dir: Path, port: int) -> SandboxHandle:
    state_dir.mkdir(parents=True, exist_ok=True)
    config_path = state_dir / "sandbox-config.yaml"
    config_path.write_text(yaml.safe_dump(data))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
    log = (state_dir / "sandbox.log").open("ab")
    process = sp.Popen(
        [
            sys.executable,
            "-m",
            "sandbox",
            "--port",
            str(port),
            "--config",
            str(config_path),
            "--state-dir",
            str(state_dir),
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=sp.STDOUT,
    )
    endpoint = f"http://127.0.0.1:{port}"

    def stop() -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except sp.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()

    try:
        wait_healthy(endpoint, process=process)
    except Exception:
        stop()
        raise
    return SandboxHandle(endpoint, port, state_dir, stop)
