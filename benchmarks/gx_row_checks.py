"""Benchmark: the GX row checks of a 1M-row table vs the same aggregates as plain SQL on both sides.

    flock /work/wt/heavy.lock .venv/bin/python benchmarks/gx_row_checks.py [REPEATS]
Two PostgreSQL databases hold the same 1M-row table (benchmarks/dms_common.py). Cases, each run in its own
process, alternating, REPEATS times (default 3):
- sql: on source AND target, one aggregate query (count, SUM/MIN/MAX of every numeric column) plus the
       key checks (NULL keys, duplicate keys), compared in Python: the plain-SQL baseline
- gx:  what GxRowChecksOperator does: the source's aggregate query, then the GX Core Checkpoint on the
       target (row count, column set, key not null + unique, SUM/MIN/MAX per numeric column), Data Docs
       written; "checks" excludes `import great_expectations` (paid once per worker process), "total" includes it
Writes benchmarks/RESULTS-gx.md. Set DMS_BENCH_ROWS to change the size.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "plugins"))

from dms_common import ROWS, drop_pg, fill_pg, measure, pg_database, run_case  # noqa: E402
from gx_checks.figures import TableRef, figures, key_problems, profile  # noqa: E402
from machine import machine_lines  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

REF = TableRef("public", "bench")


def _engine(url: str):
    return create_engine(url, poolclass=NullPool)


def case_sql(source: str, target: str) -> dict:
    sides = []
    for url in (source, target):
        engine = _engine(url)
        prof = profile(engine, REF)
        sides.append((figures(engine, prof), key_problems(engine, prof)))
        engine.dispose()
    assert sides[0] == sides[1] and sides[1][1] == {"null_keys": 0, "duplicate_keys": 0}
    return {}


def case_gx(source: str, target: str) -> dict:
    start = time.perf_counter()
    import great_expectations  # noqa: F401  (timed apart: once per worker process)

    imported = time.perf_counter() - start
    from gx_checks.suite import TablePair, expectation_specs, parameters, run_checkpoint

    checks_start = time.perf_counter()
    engine = _engine(source)
    pair = TablePair(profile(engine, REF), REF)
    params = parameters(pair, figures(engine, pair.source))
    engine.dispose()
    with tempfile.TemporaryDirectory() as docs:
        outcome = run_checkpoint(target, "postgres", [(pair, expectation_specs(pair, [], []))], params, docs)
    assert outcome["success"], outcome["results"]
    return {
        "import_seconds": round(imported, 3),
        "checks_seconds": round(time.perf_counter() - checks_start, 3),
    }


def main(repeats: int) -> None:
    machine = machine_lines("great_expectations", "SQLAlchemy", "psycopg2-binary")  # load at the start
    source, target = pg_database("gx_bench"), pg_database("gx_bench")
    try:
        for url in (source, target):
            fill_pg(url)
        runs: dict[str, list[dict]] = {"sql": [], "gx": []}
        for _ in range(repeats):
            for case in runs:
                runs[case].append(run_case("gx_row_checks.py", case, source, target))
    finally:
        drop_pg(source)
        drop_pg(target)
    write_results(runs, repeats, machine)


def write_results(runs: dict[str, list[dict]], repeats: int, machine: list[str]) -> None:
    med = statistics.median
    sql = med(r["seconds"] for r in runs["sql"])
    checks = med(r["checks_seconds"] for r in runs["gx"])
    total = med(r["seconds"] for r in runs["gx"])
    imported = med(r["import_seconds"] for r in runs["gx"])
    lines = [
        "# GX row checks vs plain SQL (issue 10)",
        "",
        "Command: `flock /work/wt/heavy.lock .venv/bin/python benchmarks/gx_row_checks.py` "
        f"({repeats} repeats per case, alternating, each in its own process; medians)",
        "",
        *machine,
        f"- table: {ROWS:,} rows, PostgreSQL 15 to PostgreSQL 15 (two databases), 3 numeric columns + bigint key",
        "",
        "| case | median s | all runs s | vs plain SQL |",
        "|---|---|---|---|",
        f"| plain SQL, both sides (baseline) | {sql:.2f} | {', '.join(str(r['seconds']) for r in runs['sql'])} | 1.00x |",
        f"| GX checks (source SQL + GX Checkpoint + Data Docs) | {checks:.2f} | "
        f"{', '.join(str(r['checks_seconds']) for r in runs['gx'])} | {checks / sql:.2f}x |",
        f"| GX, whole process incl. `import great_expectations` ({imported:.1f} s) | {total:.2f} | "
        f"{', '.join(str(r['seconds']) for r in runs['gx'])} | {total / sql:.2f}x |",
        "",
        f"Goal: the GX checks at most 2x the plain SQL: **{'met' if checks / sql <= 2 else 'NOT met'}** "
        f"({checks / sql:.2f}x). The import is paid once per worker process, not per table.",
        "Peak RSS (MiB): "
        + ", ".join(f"{c} {max(r['peak_rss_mib'] for r in rs):.0f}" for c, rs in runs.items()),
    ]
    (HERE / "RESULTS-gx.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("sql", "gx"):
        case = {"sql": case_sql, "gx": case_gx}[sys.argv[1]]
        import json

        print(json.dumps(measure(case, *sys.argv[2:4])))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
