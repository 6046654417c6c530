"""A user of the Airflow REST API: log in, trigger a run, follow it, answer approval gates."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import requests


class ApiError(RuntimeError):
    def __init__(self, response: requests.Response) -> None:
        self.status_code = response.status_code
        super().__init__(
            f"{response.request.method} {response.url} -> {response.status_code}: {response.text[:500]}"
        )


@dataclass
class AirflowUser:
    base_url: str
    username: str
    password: str
    _token: str | None = None
    # one keep-alive connection per user: a fast poller (tests/e2e/fast_gates.py) pays no TCP setup per call
    _session: requests.Session = field(default_factory=requests.Session, repr=False)

    def _headers(self) -> dict[str, str]:
        if self._token is None:
            response = self._session.post(
                f"{self.base_url}/auth/token",
                json={"username": self.username, "password": self.password},
                timeout=30,
            )
            if not response.ok:
                raise ApiError(response)
            self._token = response.json()["access_token"]
        return {"Authorization": f"Bearer {self._token}"}

    def request(self, method: str, path: str, **kwargs) -> Any:
        response = self._session.request(
            method, f"{self.base_url}/api/v2{path}", headers=self._headers(), timeout=30, **kwargs
        )
        if not response.ok:
            raise ApiError(response)
        return response.json() if response.content else None

    def wait_for_dag(self, dag_id: str, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.request("GET", f"/dags/{dag_id}")
            except ApiError as exc:
                if exc.status_code != 404 or time.monotonic() > deadline:
                    raise
            time.sleep(2)

    def trigger(self, dag_id: str, conf: dict | None = None, run_id: str | None = None) -> dict:
        body: dict[str, Any] = {"logical_date": None, "conf": conf or {}}
        if run_id:
            body["dag_run_id"] = run_id
        return self.request("POST", f"/dags/{dag_id}/dagRuns", json=body)

    def run(self, dag_id: str, run_id: str) -> dict:
        return self.request("GET", f"/dags/{dag_id}/dagRuns/{run_id}")

    def task_instance(self, dag_id: str, run_id: str, task_id: str, map_index: int = -1) -> dict:
        suffix = "" if map_index < 0 else f"/{map_index}"
        return self.request("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}{suffix}")

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        return self.request("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 1000})[
            "task_instances"
        ]

    def pending_gates(self, dag_id: str, run_id: str) -> list[dict]:
        details = self.request(
            "GET", f"/dags/{dag_id}/dagRuns/{run_id}/hitlDetails", params={"response_received": False}
        )
        return details.get("hitl_details", [])

    def gates(self, dag_id: str, run_id: str) -> list[dict]:
        return self.request("GET", f"/dags/{dag_id}/dagRuns/{run_id}/hitlDetails").get("hitl_details", [])

    def answer_gate(self, dag_id: str, run_id: str, task_id: str, option: str, map_index: int = -1) -> dict:
        return self.request(
            "PATCH",
            f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/{map_index}/hitlDetails",
            json={"chosen_options": [option], "params_input": {}},
        )
