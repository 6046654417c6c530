"""CDC benchmark: lag percentiles under a steady write load per source engine, and peak memory with a backlog.

    flock /work/wt/heavy.lock .venv/bin/python benchmarks/dms_cdc.py [--seconds 60] [--rate 1000]
        [--engines postgres,mariadb,sqlite] [--backlog 1000000]

Per source engine: the CDC engine runs in its own process (`python -m sandbox.dms.engine.cdc`, as a task
would); a writer produces about --rate changes/s (inserts, updates, deletes over three tables, transactions of
1-8 rows and one in twenty of 50) for --seconds, and every 100 ms commits a marker row. A poller on the target
sees each marker arrive; lag = arrival time - source commit time (end to end, 20 ms resolution). Afterwards
every table is compared row by row. Backlog: PostgreSQL → PostgreSQL, apply held until --backlog changes
(10 transactions of 100,000 inserts) are spooled, then released; peak RSS is the engine process's VmHWM.
Writes benchmarks/RESULTS-dms-cdc.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from machine import machine_lines  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from tests.fixtures.databases import mariadb_database, postgres_database, sqlite_database  # noqa: E402
from tests.integration.sandbox.dms.cdc_helpers import mappings_for, tables_of  # noqa: E402
from tests.integration.sandbox.dms.cdc_workload import Workload  # noqa: E402

WORK = REPO / "benchmarks" / ".work"
TARGET_OF = {"postgres": "postgres", "mariadb": "postgres", "sqlite": "sqlite"}


def database(kind: str):
    if kind == "sqlite":
        WORK.mkdir(parents=True, exist_ok=True)
        return iter([sqlite_database(WORK)])
    return postgres_database() if kind == "postgres" else mariadb_database()


def start_engine(source, target, task: str, spool: str, mappings: dict, *extra: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox.dms.engine.cdc", "--source", source.render_as_string(False),
         "--target", target.render_as_string(False), "--task", task, "--spool", spool,
         "--mappings", json.dumps(mappings), "--report", "0.5", *extra],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout.readline().startswith('{"started"')
    return proc


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def stop_engine(proc: subprocess.Popen) -> float:
    peak = peak_rss_mib(proc.pid)
    proc.terminate()
    proc.communicate(timeout=60)
    return peak


class Markers:
    """Marker rows committed every 100 ms on the source, seen arriving on the target."""

    def __init__(self, source, target) -> None:
        wait = {"timeout": 60} if source.get_backend_name() == "sqlite" else {}  # SQLite: wait for the lock
        self.src = create_engine(source, pool_size=1, connect_args=wait)
        self.tgt = create_engine(target, pool_size=1, connect_args=wait)
        self.committed: dict[int, float] = {}
        self.lags: list[float] = []
        self.stop = threading.Event()
        with self.src.begin() as conn:
            conn.execute(text("CREATE TABLE lagmark (seq INTEGER PRIMARY KEY, note VARCHAR(10))"))

    def write(self) -> None:
        seq = 0
        while not self.stop.is_set():
            seq += 1
            with self.src.begin() as conn:
                conn.execute(text("INSERT INTO lagmark VALUES (:s, 'm')"), {"s": seq})
            self.committed[seq] = time.time()
            time.sleep(0.1)

    def poll(self, until: threading.Event) -> None:
        seen = 0
        while not until.is_set():
            try:
                with self.tgt.connect() as conn:
                    top = conn.execute(text("SELECT max(seq) FROM lagmark")).scalar() or 0
            except Exception:  # the table is created by the engine's first apply
                top = 0
            now = time.time()
            for s in range(seen + 1, top + 1):
                if s in self.committed:
                    self.lags.append(max(0.0, now - self.committed[s]))
            seen = max(seen, top)
            time.sleep(0.02)

    def dispose(self) -> None:
        self.src.dispose()
        self.tgt.dispose()


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _copy_existing_rows(source: str, target: str, mappings: dict, task: str) -> None:
    """The rows written before the engine started: copied by a one-off full load (no workload running)."""
    from sandbox.dms.engine import Database, FullLoadRun, TaskInputs, TaskSettings

    load = FullLoadRun(
        TaskInputs(
            Database(source), Database(target, "target"), json.dumps(mappings), TaskSettings.parse("{}"), task
        )
    )
    load.prepare()
    load.execute()


def _run_with_markers(workload, markers, source: str, target: str, seconds: float, rate: float) -> tuple:
    """The workload for `seconds` at `rate` while the markers measure the lag: (changes, elapsed, converged),
    after every marker arrived and the target equals the source (each within two minutes)."""
    finished = threading.Event()
    poller = threading.Thread(target=markers.poll, args=(finished,))
    marker_writer = threading.Thread(target=markers.write)
    poller.start()
    marker_writer.start()
    start, before = time.monotonic(), workload.changes
    workload.run(seconds, rate)
    elapsed = time.monotonic() - start
    markers.stop.set()
    marker_writer.join()
    deadline = time.monotonic() + 120
    while len(markers.lags) < len(markers.committed) and time.monotonic() < deadline:
        time.sleep(0.1)
    finished.set()
    poller.join()
    converged = False
    while time.monotonic() < deadline and not converged:
        converged = tables_of(source) == tables_of(target)
        time.sleep(0.5)
    return workload.changes - before, elapsed, converged


def _clean_up(proc, source: str, task: str, generators: tuple, *disposable) -> None:
    """The engine killed if still running, its capture (slot, triggers) dropped, connections and databases gone."""
    if proc.poll() is None:
        proc.kill()
    from sandbox.dms.engine import Database
    from sandbox.dms.engine.cdc.runner import CdcOptions, make_capture

    make_capture(Database(source), task, CdcOptions()).drop()
    for item in disposable:
        item.dispose()
    for generator in generators:
        next(generator, None)


def lag_case(kind: str, seconds: float, rate: float) -> dict:
    src_gen, tgt_gen = database(kind), database(TARGET_OF[kind])
    source, target = next(src_gen), next(tgt_gen)
    task = "BENCH" + uuid.uuid4().hex[:8].upper()
    spool = str(WORK / f"{task}.spool")
    workload = Workload(source)
    workload.create(rows=1000)
    markers = Markers(source, target)
    mappings = mappings_for(kind, TARGET_OF[kind])
    proc = start_engine(source, target, task, spool, mappings)
    try:
        _copy_existing_rows(source, target, mappings, task)
        changes, elapsed, converged = _run_with_markers(workload, markers, source, target, seconds, rate)
        peak = stop_engine(proc)
    finally:
        _clean_up(proc, source, task, (src_gen, tgt_gen), markers, workload)
    lags = markers.lags
    return {
        "engine": kind,
        "target": TARGET_OF[kind],
        "changes": changes,
        "rate": changes / elapsed,
        "markers": len(lags),
        "p50": pct(lags, 50),
        "p95": pct(lags, 95),
        "p99": pct(lags, 99),
        "max": max(lags) if lags else float("nan"),
        "mean": statistics.fmean(lags) if lags else float("nan"),
        "converged": converged,
        "peak_rss": peak,
    }


def backlog_case(changes: int) -> dict:
    src_gen, tgt_gen = postgres_database(), postgres_database()
    source, target = next(src_gen), next(tgt_gen)
    task = "BACKLOG" + uuid.uuid4().hex[:8].upper()
    spool = str(WORK / f"{task}.spool")
    src = create_engine(source)
    with src.begin() as conn:
        conn.execute(
            text("CREATE TABLE big (id bigint PRIMARY KEY, qty int, name varchar(40), price numeric(12,2))")
        )
    mappings = mappings_for("postgres", "postgres")
    proc = start_engine(source, target, task, spool, mappings, "--hold-apply", str(changes))
    backlog_max, start = 0.0, time.monotonic()
    try:
        per_txn = changes // 10
        for i in range(10):
            with src.begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO big SELECT g, g % 1000, 'name ' || g, (g % 100000) / 100.0 "
                        "FROM generate_series(:a, :b) g"
                    ),
                    {"a": i * per_txn + 1, "b": (i + 1) * per_txn},
                )
        tgt = create_engine(target)
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            metrics = json.loads(line) if line.startswith("{") else {}
            backlog_max = max(backlog_max, metrics.get("CDCIncomingChanges", 0.0))
            if backlog_max >= changes and metrics.get("CDCIncomingChanges", 1) == 0:
                break
        with tgt.connect() as conn:
            applied = conn.execute(text("SELECT count(*) FROM big")).scalar()
        tgt.dispose()
        elapsed = time.monotonic() - start
        peak = stop_engine(proc)
    finally:
        _clean_up(proc, source, task, (src_gen, tgt_gen), src)
    return {
        "changes": changes,
        "backlog_max": backlog_max,
        "applied": applied,
        "seconds": elapsed,
        "peak_rss": peak,
    }


def report(lag: list[dict], backlog: dict | None, args) -> str:
    lines = [
        "# DMS sandbox CDC benchmark",
        "",
        f"Generated by `benchmarks/dms_cdc.py --seconds {args.seconds:g} --rate {args.rate:g} "
        f"--engines {args.engines} --backlog {args.backlog}`.",
        "",
        "## Machine",
        "",
        *machine_lines("SQLAlchemy", "psycopg2-binary", "PyMySQL", "mysql-replication"),
        "- PostgreSQL 15 and MariaDB 10.11 on localhost, SQLite on local disk; the CDC engine in its own process",
        "",
        "## CDC lag under a steady write load",
        "",
        "Lag is end to end: from the source commit of a marker row (one every 100 ms) to the moment a poller",
        "sees it on the target (20 ms polling). Goal: p95 < 1 s and p99 < 2 s.",
        "",
        "| source → target | changes | changes/s achieved | markers | p50 s | p95 s | p99 s | max s | converged row by row | engine peak RSS MiB | goal |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---|",
    ]
    for r in lag:
        ok = r["p95"] < 1 and r["p99"] < 2
        lines.append(
            f"| {r['engine']} → {r['target']} | {r['changes']:,} | {r['rate']:,.0f} | {r['markers']} | {r['p50']:.3f} | "
            f"{r['p95']:.3f} | {r['p99']:.3f} | {r['max']:.3f} | {'yes' if r['converged'] else 'NO'} | "
            f"{r['peak_rss']:.1f} | {'PASS' if ok else 'FAIL'} |"
        )
    if backlog:
        lines += [
            "",
            "## Peak memory with a backlog",
            "",
            f"PostgreSQL → PostgreSQL, {backlog['changes']:,} inserts in 10 transactions; apply held until the",
            "spool held them all (CDCIncomingChanges), then released. Goal: engine peak RSS < 256 MiB.",
            "",
            "| changes | max CDCIncomingChanges | rows on target after | seconds | engine peak RSS MiB | goal |",
            "|---:|---:|---:|---:|---:|---|",
            f"| {backlog['changes']:,} | {backlog['backlog_max']:,.0f} | {backlog['applied']:,} | "
            f"{backlog['seconds']:.1f} | {backlog['peak_rss']:.1f} | {'PASS' if backlog['peak_rss'] < 256 else 'FAIL'} |",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--rate", type=float, default=1000)
    p.add_argument("--engines", default="postgres,mariadb,sqlite")
    p.add_argument("--backlog", type=int, default=1_000_000)
    p.add_argument("--out", default=str(REPO / "benchmarks" / "RESULTS-dms-cdc.md"))
    args = p.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    lag = []
    for kind in [e for e in args.engines.split(",") if e]:
        lag.append(lag_case(kind, args.seconds, args.rate))
        print(json.dumps(lag[-1]), flush=True)
    backlog = backlog_case(args.backlog) if args.backlog else None
    print(json.dumps(backlog), flush=True)
    Path(args.out).write_text(report(lag, backlog, args))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
