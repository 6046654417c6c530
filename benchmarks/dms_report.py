"""Write benchmarks/RESULTS-dms.md from the last runs of dms_fullload.py and dms_validation.py.

.venv/bin/python benchmarks/dms_fullload.py --with-mariadb
.venv/bin/python benchmarks/dms_validation.py
.venv/bin/python benchmarks/dms_report.py
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"


def _row(name: str, case: dict, rows: int) -> str:
    rate = rows / case["seconds"] if case["seconds"] else 0
    return f"| {name} | {case['seconds']:.3f} | {rate:,.0f} | {case['peak_rss_mib']:.1f} |"


def _header(m: dict[str, Any]) -> list[str]:
    return [
        "# DMS sandbox benchmarks",
        "",
        f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `benchmarks/dms_report.py` from one run of",
        "`benchmarks/dms_fullload.py --with-mariadb` and one run of `benchmarks/dms_validation.py`.",
        "Each case ran once, in its own process (wall time of the work only: the engine modules are imported",
        "before timing, as in the running sandbox; peak RSS is that process's `ru_maxrss`, which includes",
        "~45 MiB of interpreter + SQLAlchemy).",
        "",
        "## Machine",
        "",
        f"- CPU: {m.get('cpu', '?')}, {m.get('cpus')} cores shared with other engineers' work "
        f"(load average at start {', '.join(f'{x:.2f}' for x in m.get('load_average_at_start', []))})",
        f"- Memory: {m.get('memory', '?')}; {m.get('platform')}; Python {m.get('python')}",
        f"- {m.get('postgresql', 'PostgreSQL')} and MariaDB 10.11 on localhost; SQLite files on local disk",
        "",
    ]


def _full_load(full: dict[str, Any]) -> list[str]:
    rows = full["rows"]
    pg_ok = "PASS" if full["pg_ratio"] >= 0.5 else "FAIL"
    lite_ok = "PASS" if full["sqlite_ratio"] >= 0.5 else "FAIL"
    lines = [
        f"## Full load, {rows:,} rows",
        "",
        "Table: `id bigint PRIMARY KEY, qty integer, name varchar(40), price numeric(12,2), created timestamp,",
        "score double precision` (no LOBs). The DMS runs use the default task settings (DROP_AND_CREATE,",
        "CommitRate 10000, MaxFullLoadSubTasks 8) and include connecting, reflection, the row count for",
        "progress and creating the target table.",
        "",
        "| case | seconds | rows/s | peak RSS MiB |",
        "|---|---:|---:|---:|",
        _row("PostgreSQL: `psql COPY TO STDOUT \\| psql COPY FROM STDIN` (baseline)", full["pg-copy"], rows),
        _row("PostgreSQL → PostgreSQL, DMS engine (COPY pipe)", full["pg-dms"], rows),
        _row("SQLite: `ATTACH` + `INSERT INTO ... SELECT *` (baseline)", full["lite-attach"], rows),
        _row("SQLite → SQLite, DMS engine (ATTACH, keyset batches)", full["lite-dms"], rows),
    ]
    if "maria-pg-cli" in full:
        lines.append(
            _row("MariaDB: `mariadb --batch \\| psql COPY FROM STDIN` (baseline)", full["maria-pg-cli"], rows)
        )
    if "maria-pg-dms" in full:
        lines.append(
            _row(
                "MariaDB → PostgreSQL, DMS engine (bulk: COPY text rendered by MariaDB)",
                full["maria-pg-dms"],
                rows,
            )
        )
    lines += [
        "",
        f"- PostgreSQL → PostgreSQL throughput ratio (baseline seconds / DMS seconds): **{full['pg_ratio']}**"
        f" (goal ≥ 0.5: {pg_ok})",
        f"- SQLite → SQLite throughput ratio: **{full['sqlite_ratio']}** (goal ≥ 0.5: {lite_ok})",
        *(
            [
                f"- MariaDB → PostgreSQL throughput ratio: **{full['maria_ratio']}** "
                f"(goal ≥ 0.5: {'PASS' if full['maria_ratio'] >= 0.5 else 'FAIL'})"
            ]
            if "maria_ratio" in full
            else []
        ),
        "",
    ]
    return lines


def _validation(val: dict[str, Any]) -> list[str]:
    val_ok = "PASS" if val["validation_over_scan"] <= 1.5 else "FAIL"
    return [
        f"## Validation, {val['rows']:,} identical rows, PostgreSQL → PostgreSQL",
        "",
        "Baseline: `count(*)` on both sides, then every row of both sides read through server-side cursors.",
        "DMS: `validate_only` run with the defaults (ThreadCount 5, PartitionSize 10000).",
        "",
        "| case | seconds | peak RSS MiB |",
        "|---|---:|---:|",
        f"| count(*) + full scan of both sides (baseline) | {val['scan']['seconds']:.3f} | "
        f"{val['scan']['peak_rss_mib']:.1f} |",
        f"| DMS validation | {val['validate']['seconds']:.3f} | {val['validate']['peak_rss_mib']:.1f} |",
        "",
        f"- validation / baseline: **{val['validation_over_scan']}** (goal ≤ 1.5: {val_ok})",
        "",
    ]


def _memory_and_notes(full: dict[str, Any], val: dict[str, Any]) -> list[str]:
    rows = full["rows"]
    return [
        "## Memory",
        "",
        "The COPY path streams through a pipe, the SQLite path moves CommitRate rows per statement inside",
        "SQLite, the generic path holds one CommitRate batch, and validation holds at most ThreadCount",
        "partitions of PartitionSize rows per side plus one boundary key per PartitionSize rows. A 200,000-row",
        "trial run of the same scripts peaked at 50.9 MiB (PostgreSQL full load) and 95.5 MiB (validation),",
        f"against {full['pg-dms']['peak_rss_mib']:.1f} and {val['validate']['peak_rss_mib']:.1f} MiB here at "
        f"{rows:,} rows: the peak does not grow with the table.",
        "",
        "## Notes",
        "",
        "- The machine is shared (2 cores, other engineers' tests running, load average 1.4 to 3.6 during",
        "  the day): the same case varied by up to 70% between runs. The ratios above are from one run, one",
        "  case after the other. Earlier 1M-row runs while building (same scripts):",
        "",
        "  | run | PostgreSQL ratio | SQLite ratio | validation / scan | note |",
        "  |---|---:|---:|---:|---|",
        "  | 1 | 0.775 | 0.499 | - | engine import (~0.6 s cold) inside the timing; fixed in the script |",
        "  | 2 | 0.894 | 0.671 | 1.082 | |",
        "  | 3 | 0.585 | 0.677 | 1.094 | load average 2.7 at start |",
        "",
        "- A commit per CommitRate batch on the SQLite path cost ~25% (measured while building it); the fast",
        "  paths commit once per table segment, the generic path once per batch.",
        "- The generic path (MariaDB → PostgreSQL) is the slow one. Profiled at 100,000 rows: ~75% of its time",
        "  is PyMySQL's pure-Python row parsing on the source side, ~15% the engine's COPY text encoding.",
        "",
    ]


def main() -> None:
    full = json.loads((WORK / "fullload.json").read_text())
    val = json.loads((WORK / "validation.json").read_text())
    lines = _header(full["machine"]) + _full_load(full) + _validation(val) + _memory_and_notes(full, val)
    (HERE / "RESULTS-dms.md").write_text("\n".join(lines))
    print((HERE / "RESULTS-dms.md").read_text())


if __name__ == "__main__":
    main()
