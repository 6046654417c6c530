"""Helpers of the fast-approval end-to-end tests: a plan of small waves, its sandbox world, and an approver
that answers every gate the moment the REST API shows it.

Each wave is its own DAG (one server each), so the waves run concurrently on one Airflow (a wave DAG allows
one active run); the sandbox's timings are its defaults (tenths of a second per MGN step), and the plan
polls every second.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import yaml

from devstack.api import AirflowUser, ApiError

PLAN = "fastgates"
ZONE = "Z0SANDBOXFAST"


def server_id(wave: str) -> str:
    return "s-" + wave.rjust(17, "0")


def dag_id(wave: str) -> str:
    return f"{PLAN}__wave__{wave}"


def plan_yaml(waves: list[str], approvers: list[str]) -> str:
    """The plan: one wave of one server (HTTP and TCP checks, a DNS switch) per name in `waves`."""
    plan = {
        "plan": {
            "name": PLAN,
            "description": "Small waves answered the moment their gates open (tests/e2e).",
            "aws_conn_id": "aws_sandbox",
            "region": "us-east-1",
            "owner": "platform-team",
            "approvers": approvers,
            "approval_timeout_hours": 1,
            "poll_interval_seconds": 1,
        },
        "waves": [
            {
                "name": wave,
                "health_checks": {"http": [{"url": "http://{ip}:8080/health"}], "tcp": [{"port": 8080}]},
                "servers": [
                    {
                        "hostname": wave,
                        "source_server_id": server_id(wave),
                        "dns": {"zone_id": ZONE, "name": f"{wave}.fast.example.com", "ttl": 60},
                    }
                ],
            }
            for wave in waves
        ],
    }
    return yaml.safe_dump(plan, sort_keys=False)


def sandbox_world(waves: list[str]) -> dict:
    """The sandbox config: one source server (1 MB disk) and one DNS record per wave."""
    return {
        "source_servers": [
            {
                "hostname": wave,
                "source_server_id": server_id(wave),
                "fqdn": f"{wave}.fast.example.com",
                "disks": [{"device": "/dev/sda", "size_mb": 1}],
            }
            for wave in waves
        ],
        "dns_zones": [
            {
                "id": ZONE,
                "name": "fast.example.com",
                "records": [{"name": f"{wave}.fast.example.com", "source": wave} for wave in waves],
            }
        ],
    }


def stranded_gates(user: AirflowUser, after_seconds: float = 20) -> list[str]:
    """Gates answered more than `after_seconds` ago whose task still waits for input: lost answers."""
    now = datetime.now(UTC)
    return [
        f"{d['task_instance']['dag_id']}.{d['task_instance']['task_id']} answered {d['responded_at']}"
        for d in user.request("GET", "/dags/~/dagRuns/~/hitlDetails", params={"limit": 100})["hitl_details"]
        if d["response_received"]
        and d["task_instance"]["state"] == "awaiting_input"
        and (now - _parse(d["responded_at"])).total_seconds() > after_seconds
    ]


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


@dataclass
class Answer:
    dag_id: str
    run_id: str
    task_id: str
    user: str
    status: int
    created_at: datetime  # when the worker wrote the request (Airflow's clock)
    responded_at: datetime | None  # when Airflow recorded the answer (same clock)
    seen_after_ms: float  # our first sight of it, after created_at
    sent_after_ms: float  # the answer sent, after created_at

    @property
    def latency_ms(self) -> float:
        if self.responded_at is None:
            return float("inf")
        return (self.responded_at - self.created_at).total_seconds() * 1000


@dataclass
class FastApprover:
    """Polls every pending gate of the Airflow (`GET /dags/~/dagRuns/~/hitlDetails?response_received=false`)
    every `poll` seconds in a thread of its own and approves each new one at once, the approvers taking
    turns. With `parallel`, each answer has a thread of its own (gates of concurrent waves can open
    together); on SQLite answers go one at a time (README "Known issues": two answers at once can stall
    the api-server for 5 s). Use as a context manager."""

    watcher: AirflowUser
    approvers: list[AirflowUser]
    dag_ids: set[str]  # the gates of these DAGs only
    parallel: bool = True
    poll: float = 0.005
    answers: list[Answer] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    polls: int = 0

    def __post_init__(self) -> None:
        self._halt = threading.Event()
        self._answered: set[tuple[str, str, str]] = set()
        self._thread = threading.Thread(target=self._run, daemon=True, name="fast-approver")
        self._answering: list[threading.Thread] = []
        # a few logged-in copies of each approver: a copy (one HTTP session) serves one answer at a time
        self._free: queue.Queue[AirflowUser] = queue.Queue()
        for _ in range(3 if self.parallel else 1):
            for user in self.approvers:
                copy = AirflowUser(user.base_url, user.username, user.password)
                copy.request("GET", "/monitor/health")  # logs in now, not when the gate opens
                self._free.put(copy)

    def __enter__(self) -> FastApprover:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._halt.set()
        self._thread.join(timeout=30)
        for thread in self._answering:
            thread.join(timeout=30)

    def _run(self) -> None:
        while not self._halt.is_set():
            try:
                pending = self.watcher.request(
                    "GET", "/dags/~/dagRuns/~/hitlDetails", params={"response_received": False, "limit": 100}
                )["hitl_details"]
            except Exception as exc:  # keep polling; the test reports what went wrong
                self.errors.append(f"poll: {exc}")
                time.sleep(0.2)
                continue
            self.polls += 1
            for detail in pending:
                ti = detail["task_instance"]
                key = (ti["dag_id"], ti["dag_run_id"], ti["task_id"])
                if key not in self._answered and key[0] in self.dag_ids:
                    self._answered.add(key)
                    if not self.parallel:
                        self._answer(key, detail)
                        continue
                    thread = threading.Thread(target=self._answer, args=(key, detail), daemon=True)
                    self._answering.append(thread)
                    thread.start()
            self._halt.wait(self.poll)

    def _answer(self, key: tuple[str, str, str], detail: dict) -> None:
        created = _parse(detail["created_at"])
        seen_ms = (datetime.now(UTC) - created).total_seconds() * 1000
        user = self._free.get()
        sent_ms = (datetime.now(UTC) - created).total_seconds() * 1000
        try:
            reply = user.answer_gate(*key, "Approve", detail["task_instance"].get("map_index", -1))
            status, responded = 200, _parse(reply["responded_at"])
        except ApiError as exc:
            status, responded = exc.status_code, None
            self.errors.append(f"answer {key}: {exc}")
        finally:
            self._free.put(user)
        self.answers.append(Answer(*key, user.username, status, created, responded, seen_ms, sent_ms))
