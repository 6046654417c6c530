"""Start and stop a real local Airflow 3 (api-server, scheduler, dag-processor, triggerer).

SQLite metadata and the LocalExecutor, as `airflow standalone`, but with every setting explicit: the
project's dags/ and plugins/, a plans folder, extra environment (AWS connections pointing at the sandbox)
and the simple auth manager's users with passwords we generate (kept in AIRFLOW_HOME, never printed).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
COMPONENTS = ("scheduler", "dag-processor", "triggerer")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class AirflowStack:
    home: Path
    users: dict[str, str]  # username -> role (admin, op, user, viewer)
    plans_dir: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def password_file(self) -> Path:
        return self.home / "simple_auth_manager_passwords.json.generated"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
        secret = self._secret()
        env.update(
            {
                "AIRFLOW_HOME": str(self.home),
                "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
                "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
                "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": ",".join(
                    f"{u}:{r}" for u, r in self.users.items()
                ),
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.base_url}/execution/",
                "AIRFLOW__CORE__PARALLELISM": "4",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{self.home / 'airflow.db'}",
                "AIRFLOW__API__PORT": str(self.port),
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__BASE_URL": self.base_url,
                "AIRFLOW__API__WORKERS": "1",
                "AIRFLOW__API__SECRET_KEY": secret,
                "AIRFLOW__API_AUTH__JWT_SECRET": secret,
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "10",
                "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
                "AIRFLOW__TRIGGERER__DEFAULT_CAPACITY": "100",
                "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
                "PYTHONPATH": os.pathsep.join([str(REPO / "include"), str(REPO / "plugins"), str(REPO)]),
            }
        )
        env["MIGRATION_PLANS_DIR"] = str(self.plans_dir or REPO / "include" / "plans")
        env.update(self.extra_env)
        return env

    def _secret(self) -> str:
        path = self.home / ".stack-secret"
        if not path.exists():
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return path.read_text().strip()

    def _airflow(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "airflow", *args]

    def prepare(self) -> None:
        """Fresh metadata database and the users' passwords (written before the api-server would)."""
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "logs").mkdir(exist_ok=True)
        passwords = json.loads(self.password_file.read_text()) if self.password_file.exists() else {}
        for user in self.users:
            passwords.setdefault(user, secrets.token_urlsafe(12))
        self.password_file.write_text(json.dumps(passwords))
        self.password_file.chmod(0o600)
        subprocess.run(
            self._airflow("db", "migrate"),
            env=self.env(),
            check=True,
            stdout=(self.home / "logs" / "db-migrate.log").open("w"),
            stderr=subprocess.STDOUT,
            timeout=600,
        )

    def password(self, user: str) -> str:
        return json.loads(self.password_file.read_text())[user]

    def commands(self) -> dict[str, list[str]]:
        """The long-running processes: name -> `airflow` arguments."""
        return {name: [name] for name in ("api-server", *COMPONENTS)}

    def process_env(self, name: str) -> dict[str, str]:
        """Settings of one process only (on top of env())."""
        return {}

    def start(self, timeout: float = 180) -> None:
        self.prepare()
        env = self.env()
        for name, args in self.commands().items():
            self.start_process(name, args, {**env, **self.process_env(name)})
        self.wait_healthy(timeout)

    def start_process(self, name: str, args: list[str], env: dict[str, str]) -> None:
        log = (self.home / "logs" / f"{name}.log").open("a")
        self.processes[name] = subprocess.Popen(
            self._airflow(*args), env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc in self.processes.items():
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"airflow {name} exited ({proc.returncode}); see {self.home}/logs/{name}.log"
                    )
            try:
                if requests.get(f"{self.base_url}/api/v2/monitor/health", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(1)
        raise TimeoutError(f"Airflow did not become healthy in {timeout:.0f} s; logs in {self.home}/logs")

    def stop(self) -> None:
        for proc in self.processes.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for proc in self.processes.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self.processes.clear()
        self._kill_leftover_task_processes()

    def _kill_leftover_task_processes(self) -> None:
        """Task processes run in sessions of their own, out of reach of the group kill: find them by home."""
        import psutil

        home = str(self.home)
        for proc in psutil.process_iter(["pid"]):
            try:
                if proc.pid != os.getpid() and proc.environ().get("AIRFLOW_HOME") == home:
                    proc.kill()
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue

    def __enter__(self) -> AirflowStack:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
