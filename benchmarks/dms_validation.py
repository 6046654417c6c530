"""Benchmark: DMS row-level validation of 1M identical rows vs a plain count(*) + full scan of both sides.

    .venv/bin/python benchmarks/dms_validation.py
Cases (each in its own process):
- scan:     SELECT count(*) on source and target, then every row of both read through server-side cursors
            (10000 rows per fetch), one side after the other
- validate: FullLoadRun(validate_only=True) PostgreSQL → PostgreSQL with the DMS defaults
            (ThreadCount 5, PartitionSize 10000): boundaries, partitions read and compared on both sides,
            failures table written (empty)
Set DMS_BENCH_ROWS to change the size.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg2
from dms_common import (
    PG_DDL,
    ROWS,
    WORK,
    bench_mappings,
    drop_pg,
    fill_pg,
    machine,
    measure,
    pg_database,
    run_case,
)
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from sandbox.dms.engine import Database, FullLoadRun, TaskInputs, TaskSettings

MAPPINGS = bench_mappings("public")


def _dsn(url: str) -> str:
    u = make_url(url)
    return f"host={u.host} port={u.port or 5432} user={u.username} dbname={u.database}"


def case_scan(source: str, target: str) -> dict:
    rows = 0
    for url in (source, target):
        conn = psycopg2.connect(_dsn(url))
        cur = conn.cursor()
        cur.execute("SELECT count(*) FROM public.bench")
        cur.fetchone()
        named = conn.cursor(name=f"scan_{uuid.uuid4().hex[:8]}")
        named.itersize = 10000
        named.execute("SELECT * FROM public.bench")
        while batch := named.fetchmany(10000):
            rows += len(batch)
        conn.close()
    return {"rows_read": rows}


def case_validate(source: str, target: str) -> dict:
    run = FullLoadRun(
        TaskInputs(
            Database(make_url(source), "source"),
            Database(make_url(target), "target"),
            MAPPINGS,
            TaskSettings.parse('{"ValidationSettings": {"EnableValidation": true}}'),
            "BENCH",
        ),
        validate_only=True,
    )
    run.prepare()
    run.execute()
    stats = run.table_statistics()[0]
    if stats["ValidationState"] != "Validated":
        raise RuntimeError(f"validation did not pass: {stats}")
    return {"validation_state": stats["ValidationState"]}


CASES = {"scan": case_scan, "validate": case_validate}


def _copy(source: str, target: str) -> None:
    engine = create_engine(target)
    with engine.begin() as conn:
        conn.execute(text(PG_DDL))
    engine.dispose()

    def args(url: str) -> list[str]:
        u = make_url(url)
        return [
            "psql",
            "-X",
            "-q",
            "-h",
            u.host,
            "-p",
            str(u.port or 5432),
            "-U",
            u.username,
            "-d",
            u.database,
        ]

    out = subprocess.Popen([*args(source), "-c", "COPY public.bench TO STDOUT"], stdout=subprocess.PIPE)
    subprocess.run([*args(target), "-c", "COPY public.bench FROM STDIN"], stdin=out.stdout, check=True)
    out.stdout.close()
    out.wait()
    engine = create_engine(target)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE public.bench"))
    engine.dispose()


def main() -> dict:
    results: dict = {"machine": machine(), "rows": ROWS}
    source, target = pg_database(), pg_database()
    try:
        fill_pg(source)
        _copy(source, target)
        results["scan"] = run_case("dms_validation.py", "scan", source, target)
        results["validate"] = run_case("dms_validation.py", "validate", source, target)
    finally:
        drop_pg(source)
        drop_pg(target)
    results["validation_over_scan"] = round(results["validate"]["seconds"] / results["scan"]["seconds"], 3)
    return results


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in CASES:
        print(json.dumps(measure(CASES[sys.argv[1]], *sys.argv[2:4])))
    else:
        WORK.mkdir(parents=True, exist_ok=True)
        out = main()
        (WORK / "validation.json").write_text(json.dumps(out, indent=2))
        print(json.dumps(out, indent=2))
