"""MGN API calls per sensor poke vs wave size (by hand, not in CI):
`.venv/bin/python benchmarks/airflow_sensor_calls.py [--sizes 3,30,200]`.

For each wave size, an in-process sandbox with that many small source servers (`count:` expansion, one
64 KiB disk, no app, no churn), reached through an Airflow AWS connection (env var), and:
- MgnReplicationReadySensor.poke: once while the servers are still INITIATING (not ready), once when all
  are CONTINUOUS (ready); then one attempt of its trigger (MgnReplicationReadyTrigger, waiter_max_attempts=1).
- MgnJobCompleteSensor.poke on a StartTest job of the whole wave: while it runs, once COMPLETED (every
  server LAUNCHED); one attempt of its trigger (MgnJobCompleteTrigger); and on a second test job with one
  failed launch (sandbox fault fail_launch), where the poke also reads the job log to explain the failure.
MGN calls are counted on the sandbox's side (every request the MGN service handles, by operation) and, for
the sensors, also on the hook's own botocore client (`before-call` event); the two must agree.
Writes its section of benchmarks/RESULTS-airflow.md.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault(
    "AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING"
)  # one log line per poke names every server

from airflow_common import REPO, arguments, machine, setup_paths, write_section

setup_paths()
sys.path.insert(0, str(REPO))

from sandbox.testing import running_sandbox, wait_for  # noqa: E402

CONN_ID = "aws_bench"


def sandbox_config(servers: int) -> dict:
    return {
        "timing": {"initiation_seconds": 5.0, "replication_tick_seconds": 0.02, "job_step_seconds": 0.02},
        "replication": {"link_mbps": 0},
        "source_servers": [
            {
                "hostname": "bench-{n}",
                "count": servers,
                "app": False,
                "churn_kbps": 0,
                "disks": [{"device": "/dev/sda", "size_mb": 0.0625}],
                "files": [{"path": "index.html", "content": "x"}],
                "churn_file_kb": 4,
            }
        ],
    }


class Counter:
    """Counts the requests the sandbox's MGN service handles, by operation (the path names it)."""

    def __init__(self, service: Any) -> None:
        self.calls: collections.Counter[str] = collections.Counter()
        original = service.handle

        def handle(request):  # type: ignore[no-untyped-def]
            self.calls[request.path.strip("/").split("/")[0]] += 1
            return original(request)

        service.handle = handle

    def measure(self, call):  # type: ignore[no-untyped-def]
        """(result or exception, {operation: calls}, seconds) of one call."""
        before = collections.Counter(self.calls)
        start = time.perf_counter()
        try:
            result = call()
        except Exception as exc:  # a failing poke is a measured outcome
            result = exc
        seconds = time.perf_counter() - start
        return result, dict(self.calls - before), seconds


def client_counter(hook: Any) -> collections.Counter[str]:
    """Calls made through the hook's own botocore client (before-call fires once per API call attempt)."""
    seen: collections.Counter[str] = collections.Counter()
    hook.conn.meta.events.register("before-call.mgn", lambda model, **_: seen.update([model.name]))
    return seen


def first_event(trigger: Any) -> dict:
    async def run() -> dict:
        async for event in trigger.run():
            return event.payload
        return {}

    return asyncio.run(asyncio.wait_for(run(), timeout=120))


def outcome_text(result: Any) -> str:
    if isinstance(result, Exception):
        return f"raised {type(result).__name__}"
    if hasattr(result, "is_done"):
        return f"is_done={result.is_done}"
    if isinstance(result, dict) and "status" in result:
        return f"event {result['status']}"
    return repr(result)


class Recorder:
    """The rows of one wave size: each measured poke or trigger attempt with its calls and outcome."""

    def __init__(self, servers: int, counter: Counter) -> None:
        self.servers, self.counter, self.rows = servers, counter, []
        self._clients: dict[int, collections.Counter[str]] = {}  # per sensor: its hook's own client calls

    def poke(self, what: str, when: str, sensor: Any) -> None:
        seen = self._clients.get(id(sensor))
        if seen is None:
            seen = self._clients[id(sensor)] = client_counter(sensor.hook)
        seen.clear()
        self._add(what, when, self.counter.measure(lambda: sensor.poke({})), seen)

    def attempt(self, what: str, when: str, trigger: Any) -> None:
        self._add(what, when, self.counter.measure(lambda: first_event(trigger)), None)

    def _add(self, what: str, when: str, measured: tuple, client: collections.Counter | None) -> None:
        result, calls, seconds = measured
        self.rows.append(
            {
                "servers": self.servers,
                "what": what,
                "when": when,
                "outcome": outcome_text(result),
                "calls": calls,
                "client_calls": dict(client) if client is not None else None,
                "ms": seconds * 1000,
            }
        )


def _sandbox_connection(endpoint_url: str) -> None:
    os.environ[f"AIRFLOW_CONN_{CONN_ID.upper()}"] = json.dumps(
        {
            "conn_type": "aws",
            "login": "sandbox",
            "password": "sandbox",
            "extra": {"region_name": "us-east-1", "endpoint_url": endpoint_url},
        }
    )


def _replication(record: Recorder, mgn: Any, ids: list[str], aws: dict) -> None:
    """The replication sensor while the servers initiate and once all are ready; one trigger attempt."""
    from sensors.mgn import MgnReplicationReadySensor
    from triggers.mgn import MgnReplicationReadyTrigger

    ready_sensor = MgnReplicationReadySensor(
        task_id="replication_ready", source_server_ids=ids, max_lag_seconds=60, **aws
    )
    record.poke("MgnReplicationReadySensor.poke", "not ready (INITIATING)", ready_sensor)

    def all_ready() -> bool:
        found = mgn.describe_source_servers(maxResults=1000)["items"]
        return all(
            s["dataReplicationInfo"]["dataReplicationState"] == "CONTINUOUS"
            and "lagDuration" in s["dataReplicationInfo"]
            and s["lifeCycle"]["state"] == "READY_FOR_TEST"
            for s in found
        )

    wait_for(all_ready, 120, 0.1, "all CONTINUOUS / READY_FOR_TEST")
    record.poke("MgnReplicationReadySensor.poke", "all ready", ready_sensor)
    trigger = MgnReplicationReadyTrigger(
        source_server_ids=ids, max_lag_seconds=60, waiter_delay=1, waiter_max_attempts=1, **aws
    )
    record.attempt("MgnReplicationReadyTrigger, 1 attempt", "all ready", trigger)


def _jobs(record: Recorder, sandbox: Any, mgn: Any, ids: list[str], aws: dict) -> None:
    """The job sensor while a job runs, once it completed, and once a job completed with a failed launch."""
    from sensors.mgn import MgnJobCompleteSensor
    from triggers.mgn import MgnJobCompleteTrigger

    def completed(job: str) -> bool:
        return mgn.describe_jobs(filters={"jobIDs": [job]})["items"][0]["status"] == "COMPLETED"

    job_id = mgn.start_test(sourceServerIDs=ids)["job"]["jobID"]
    job_sensor = MgnJobCompleteSensor(task_id="test_launched", job_id=job_id, **aws)
    record.poke("MgnJobCompleteSensor.poke", "job running", job_sensor)
    wait_for(lambda: completed(job_id), 300, 0.1, f"job {job_id} COMPLETED")
    record.poke("MgnJobCompleteSensor.poke", "COMPLETED, all launched", job_sensor)
    job_trigger = MgnJobCompleteTrigger(job_id=job_id, waiter_delay=1, waiter_max_attempts=1, **aws)
    record.attempt("MgnJobCompleteTrigger, 1 attempt", "COMPLETED", job_trigger)

    sandbox.faults(fail_launch=["bench-1"])
    failed_job = mgn.start_test(sourceServerIDs=ids)["job"]["jobID"]
    wait_for(lambda: completed(failed_job), 300, 0.1, f"job {failed_job} COMPLETED")
    failed_sensor = MgnJobCompleteSensor(task_id="test_launched", job_id=failed_job, **aws)
    record.poke("MgnJobCompleteSensor.poke", "COMPLETED, 1 launch FAILED", failed_sensor)
    pages = mgn.get_paginator("describe_job_log_items").paginate(jobID=failed_job)
    log_items = sum(len(page["items"]) for page in pages)
    record.rows[-1]["note"] = f"job log of {log_items} items"


def bench_size(servers: int) -> list[dict]:
    aws = {"aws_conn_id": CONN_ID, "region_name": "us-east-1"}
    with (
        tempfile.TemporaryDirectory(prefix="sensor-calls-") as tmp,
        running_sandbox(sandbox_config(servers), Path(tmp) / "state", reset_moto=True) as sandbox,
    ):
        _sandbox_connection(sandbox.endpoint_url)
        record = Recorder(servers, Counter(sandbox.server.services["mgn"]))
        mgn = sandbox.client("mgn")
        items = wait_for(
            lambda: (lambda found: found if len(found) == servers else None)(
                mgn.describe_source_servers(maxResults=1000)["items"]
            ),
            60,
            0.1,
            "servers registered",
        )
        ids = sorted(s["sourceServerID"] for s in items)
        _replication(record, mgn, ids, aws)
        _jobs(record, sandbox, mgn, ids, aws)
    os.environ.pop(f"AIRFLOW_CONN_{CONN_ID.upper()}", None)
    return record.rows


def quiet_logs() -> None:
    logging.disable(logging.INFO)
    try:  # Airflow 3 logs through structlog, which logging.disable does not reach
        import structlog

        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    except ImportError:
        pass


def calls_text(calls: dict[str, int]) -> str:
    return ", ".join(f"{op} {n}" for op, n in sorted(calls.items())) or "none"


def report(rows: list[dict], sizes: list[int], header: list[str]) -> list[str]:
    """The RESULTS section: calls per poke by wave size, outcomes, notes."""
    mismatches = [r for r in rows if r["client_calls"] is not None and r["client_calls"] != r["calls"]]
    keys = sorted(
        {(r["what"], r["when"]) for r in rows}, key=lambda k: [(r["what"], r["when"]) for r in rows].index(k)
    )
    by = {(r["what"], r["when"], r["servers"]): r for r in rows}
    total = {k: [sum(by[(*k, n)]["calls"].values()) for n in sizes] for k in keys}
    flat = [k for k in keys if len(set(total[k])) == 1]

    lines = [
        "## 2. MGN API calls per sensor poke vs the number of servers in the wave",
        "",
        f"`.venv/bin/python benchmarks/airflow_sensor_calls.py` (sizes {', '.join(map(str, sizes))})",
        "",
        *header,
        "",
        "Counted on the sandbox's side (every request its MGN service handled during the call); for the "
        "sensors the hook's own botocore client (`before-call`) counted the same"
        + (
            " (it did, in every row)." if not mismatches else f" EXCEPT in {len(mismatches)} rows: see below."
        ),
        "",
        "| call | state of the wave / job | " + " | ".join(f"{n} servers" for n in sizes) + " |",
        "|---|---|" + "---:|" * len(sizes),
    ]
    for key in keys:
        cells = []
        for n in sizes:
            r = by[(*key, n)]
            cells.append(f"**{sum(r['calls'].values())}** ({calls_text(r['calls'])}; {r['ms']:.0f} ms)")
        lines.append(f"| {key[0]} | {key[1]} | " + " | ".join(cells) + " |")
    return lines + _outcomes_and_notes(sizes, keys, by, total, flat, mismatches)


def _outcomes_and_notes(
    sizes: list[int], keys: list, by: dict, total: dict, flat: list, mismatches: list[dict]
) -> list[str]:
    lines = [
        "",
        "Outcomes (the poke's return or exception, as expected for each state):",
        "",
    ]
    for key in keys:
        outcomes = sorted({by[(*key, n)]["outcome"] for n in sizes})
        notes = [by[(*key, n)].get("note") for n in sizes if by[(*key, n)].get("note")]
        lines.append(
            f"- {key[0]}, {key[1]}: {', '.join(outcomes)}" + (f" ({'; '.join(notes)})" if notes else "")
        )
    lines += [
        "",
        f"- Calls per poke independent of the wave size in {len(flat)} of {len(keys)} rows"
        + (
            "."
            if len(flat) == len(keys)
            else ": not in " + "; ".join(f"{k[0]} ({k[1]}): {total[k]}" for k in keys if k not in flat) + "."
        ),
        "- DescribeSourceServers is asked with maxResults 1000 and the wave's IDs as a filter: one call for the "
        "whole wave. The filter takes at most 200 IDs (botocore model; the sandbox answers 201 with "
        "ValidationException), so 200 is the largest wave these sensors can watch: `lint` refuses bigger waves "
        "(MIG009, error) but `validate`, which the DAG builder uses, accepts them. The milliseconds (wall time of the whole poke, sandbox in the same process) grow with "
        "the response size, not with the number of calls; while servers initiate or a job launches they also "
        "include waiting for the sandbox's world lock, and a trigger attempt includes asyncio.run, the hook's "
        "connection and loading the waiter model.",
        "- The failure poke (the last one of a failed job: it raises) also pages through DescribeJobLogItems "
        "to quote the failed servers' log: the hook asks without maxResults, so the service's default page "
        "size decides (1,000 in the sandbox; AWS does not document its default). About 7 log items per server: "
        "one extra page per ~140 servers. It runs once per job, not once per poke.",
        "- A trigger attempt on a ready wave makes 2 calls: the waiter's DescribeSourceServers (states), then "
        "one more to compare lagDuration with the threshold (a waiter acceptor cannot).",
        "",
    ]
    for r in mismatches:
        lines.append(
            f"- MISMATCH {r['servers']} servers, {r['what']} ({r['when']}): client {r['client_calls']}"
        )
    return lines


def main() -> int:
    parser = arguments(__doc__)
    parser.add_argument("--sizes", default="3,30,200", help="wave sizes, comma-separated")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    header = machine()
    quiet_logs()  # the sensors log one line per poke naming every server
    rows = [row for size in sizes for row in bench_size(size)]

    write_section("sensor-calls", report(rows, sizes, header))
    return 0


if __name__ == "__main__":
    sys.exit(main())
