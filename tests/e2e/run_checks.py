"""What the database e2e asks Airflow's REST API: clearing tasks and waiting for them to run again, XCom
values, and a scan of every task log and XCom entry of a run for secrets."""

from __future__ import annotations

import json
import time

from devstack.api import AirflowUser, ApiError


def clear_and_rerun(
    admin: AirflowUser, dag: str, run_id: str, tasks: tuple[str, ...], timeout: float = 240
) -> dict:
    """Clear `tasks` of a run (REST API, downstream untouched); their states once each has run again."""
    tries = {
        t["task_id"]: t["try_number"] for t in admin.task_instances(dag, run_id) if t["task_id"] in tasks
    }
    body = {
        "dry_run": False,
        "dag_run_id": run_id,
        "task_ids": list(tasks),
        "only_failed": False,
        "reset_dag_runs": False,
        "include_downstream": False,
    }
    for attempt in range(5):  # the SQLite metadata database is sometimes locked by the scheduler: 500
        try:
            admin.request("POST", f"/dags/{dag}/clearTaskInstances", json=body)
            break
        except ApiError as error:
            if error.status_code < 500 or attempt == 4:
                raise
            time.sleep(2)
    deadline = time.monotonic() + timeout
    while True:
        now = {t["task_id"]: t for t in admin.task_instances(dag, run_id) if t["task_id"] in tasks}
        if all(now[t]["state"] == "success" and now[t]["try_number"] > tries[t] for t in tasks):
            break
        if time.monotonic() > deadline:
            break
        time.sleep(2)
    return {t: now[t]["state"] for t in now}


def xcom(admin: AirflowUser, dag: str, run_id: str, task: str, key: str = "return_value"):
    path = f"/dags/{dag}/dagRuns/{run_id}/taskInstances/{task}/xcomEntries/{key}"
    return admin.request("GET", path, params={"deserialize": True})["value"]


def scan_for_secrets(admin: AirflowUser, dag: str, run_id: str, secrets: list[str]) -> int:
    """Every task log and XCom entry of the run; returns how many texts were read (all without a secret)."""
    base = f"/dags/{dag}/dagRuns/{run_id}/taskInstances"
    read = 0
    for ti in admin.task_instances(dag, run_id):
        task, tries, index = ti["task_id"], ti.get("try_number") or 0, ti.get("map_index", -1)
        for attempt in range(1, tries + 1):  # a task that never ran (skipped) has no log and no XCom
            log = admin.request(
                "GET", f"{base}/{task}/logs/{attempt}", params={"full_content": True, "map_index": index}
            )
            texts = [json.dumps(log)]
            entries = admin.request("GET", f"{base}/{task}/xcomEntries", params={"map_index": index})
            for entry in entries.get("xcom_entries", []):
                value = admin.request(
                    "GET",
                    f"{base}/{task}/xcomEntries/{entry['key']}",
                    params={"deserialize": True, "map_index": index},
                )
                texts.append(json.dumps(value, default=str))
            for text_ in texts:
                read += 1
                assert not [s for s in secrets if s in text_], (dag, task, attempt)
    return read
