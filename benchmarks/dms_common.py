"""Shared set-up for the DMS benchmarks: 1M-row tables on PostgreSQL and SQLite, timing in subprocesses.

Each measured case runs in its own Python process (`run_case` runs `python benchmarks/<script> CASE ...`),
so that its wall time and its peak RSS (ru_maxrss of that process alone) are its own.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

from machine import cpu_model
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from sandbox.testing import include_all

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "benchmarks" / ".work"
PG_ADMIN = os.environ.get(
    "MIGRATION_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
MARIADB_ADMIN = os.environ.get("MIGRATION_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
ROWS = int(os.environ.get("DMS_BENCH_ROWS", "1000000"))

# One realistic, LOB-free table: key, ints, text, decimal, timestamp, double.
PG_DDL = (
    "CREATE TABLE public.bench (id bigint PRIMARY KEY, qty integer NOT NULL, name varchar(40), "
    "price numeric(12,2), created timestamp, score double precision)"
)
SQLITE_DDL = (
    "CREATE TABLE bench (id INTEGER PRIMARY KEY, qty INTEGER NOT NULL, name VARCHAR(40), "
    "price NUMERIC(12,2), created DATETIME, score REAL)"
)


def pg_database(prefix: str = "dms_bench") -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)


def drop_pg(url: str) -> None:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def fill_pg(url: str, rows: int = ROWS) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(PG_DDL))
        conn.execute(
            text(
                "INSERT INTO public.bench SELECT g, g % 1000, 'name-' || md5(g::text), (g % 100000) / 100.0, "
                "timestamp '2024-01-01' + g * interval '1 second', g / 7.0 FROM generate_series(1, :n) g"
            ),
            {"n": rows},
        )
        conn.execute(text("ANALYZE public.bench"))
    engine.dispose()


def fill_sqlite(path: Path, rows: int = ROWS) -> None:
    conn = sqlite3.connect(path)
    conn.execute(SQLITE_DDL)
    conn.execute(
        "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?) "
        "INSERT INTO bench SELECT n, n % 1000, 'name-' || hex(randomblob(16)), (n % 100000) / 100.0, "
        "datetime('2024-01-01', '+' || n || ' seconds'), n / 7.0 FROM g",
        (rows,),
    )
    conn.commit()
    conn.close()


def measure(fn, *args) -> dict:
    """Run fn in this process; wall seconds and this process's peak RSS in MiB."""
    start = time.perf_counter()
    extra = fn(*args) or {}
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": round(seconds, 3), "peak_rss_mib": round(peak, 1), **extra}


def run_case(script: str, case: str, *args: str) -> dict:
    """Run `python benchmarks/<script> <case> <args>` and parse its last output line (JSON)."""
    out = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / script), case, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{case} failed:\n{out.stdout}\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def machine() -> dict:
    info = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "cpu": cpu_model(),
    }
    try:
        mem = next(
            line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
        )
        info["memory"] = mem.split(":", 1)[1].strip()
    except (OSError, StopIteration):
        pass
    info["load_average_at_start"] = os.getloadavg()
    for label, cmd in (("postgresql", ["psql", "--version"]),):
        with contextlib.suppress(OSError):
            info[label] = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
    return info


def bench_mappings(schema: str = "public", rename_schema_to: str | None = None) -> str:
    """DMS table mappings selecting the benchmark table (optionally renaming its schema on the target)."""
    return json.dumps(include_all(schema, "bench", rename=rename_schema_to))
