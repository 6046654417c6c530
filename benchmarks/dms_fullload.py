"""Benchmark: DMS full load of 1M rows vs the database's own bulk copy, in one run, ratios recorded.

    .venv/bin/python benchmarks/dms_fullload.py            # all cases, writes the full-load part of the results
Cases (each in its own process, so peak RSS is per case):
- pg-copy:   `psql -c "COPY bench TO STDOUT" | psql -c "COPY bench FROM STDIN"` into a pre-created table
- pg-dms:    FullLoadRun PostgreSQL → PostgreSQL (DROP_AND_CREATE, default settings)
- lite-attach: ATTACH + INSERT INTO ... SELECT into a pre-created table, one transaction
- lite-dms:  FullLoadRun SQLite → SQLite (default settings)
- maria-pg-cli: `mariadb --batch -e "SELECT * FROM bench" | psql -c "COPY bench FROM STDIN"` (baseline)
- maria-pg-dms: FullLoadRun MariaDB → PostgreSQL (bulk path: MariaDB renders COPY text, piped into COPY)
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dms_common import (
    MARIADB_ADMIN,
    PG_DDL,
    ROWS,
    SQLITE_DDL,
    WORK,
    bench_mappings,
    drop_pg,
    fill_pg,
    fill_sqlite,
    machine,
    measure,
    pg_database,
    run_case,
)
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

# imported before timing: in the sandbox the engine is loaded once, not per task
from sandbox.dms.engine import Database, FullLoadRun, TaskInputs, TaskSettings

MAPPINGS_PG = bench_mappings("public")
MAPPINGS_ANY = bench_mappings("%")


def _psql_args(url: str) -> list[str]:
    u = make_url(url)
    return [
        "psql",
        "-X",
        "-q",
        "-h",
        u.host or "127.0.0.1",
        "-p",
        str(u.port or 5432),
        "-U",
        u.username or "postgres",
        "-d",
        u.database,
    ]


def case_pg_copy(source: str, target: str) -> dict:
    engine = create_engine(target)
    with engine.begin() as conn:
        conn.execute(text(PG_DDL))
    engine.dispose()
    out = subprocess.Popen([*_psql_args(source), "-c", "COPY public.bench TO STDOUT"], stdout=subprocess.PIPE)
    into = subprocess.run(
        [*_psql_args(target), "-c", "COPY public.bench FROM STDIN"], stdin=out.stdout, check=True
    )
    out.stdout.close()
    if out.wait() != 0 or into.returncode != 0:
        raise RuntimeError("psql COPY failed")
    return {}


def _dms(source: str, target: str, mappings: str) -> dict:
    run = FullLoadRun(
        TaskInputs(
            Database(make_url(source), "source"),
            Database(make_url(target), "target"),
            mappings,
            TaskSettings.parse(None),
            "BENCH",
        )
    )
    run.prepare()
    run.execute()
    stats = run.table_statistics()[0]
    if stats["TableState"] != "Table completed" or stats["FullLoadRows"] != ROWS:
        raise RuntimeError(f"load incomplete: {stats}")
    return {"rows": stats["FullLoadRows"]}


def case_pg_dms(source: str, target: str) -> dict:
    return _dms(source, target, MAPPINGS_PG)


def case_lite_attach(source: str, target: str) -> dict:
    conn = sqlite3.connect(target)
    conn.execute(SQLITE_DDL)
    conn.execute("ATTACH DATABASE ? AS src", (source,))
    conn.execute("INSERT INTO main.bench SELECT * FROM src.bench")
    conn.commit()
    conn.close()
    return {}


def case_lite_dms(source: str, target: str) -> dict:
    return _dms(f"sqlite:///{source}", f"sqlite:///{target}", MAPPINGS_ANY)


def case_maria_pg_cli(source: str, target: str) -> dict:
    engine = create_engine(target)
    with engine.begin() as conn:
        conn.execute(text(PG_DDL))
    engine.dispose()
    u = make_url(source)
    out = subprocess.Popen(
        ["mariadb", "--batch", "--skip-column-names", "-h", u.host or "127.0.0.1", "-P", str(u.port or 3306),
         "-u", u.username or "root", u.database, "-e", "SELECT * FROM bench"],
        stdout=subprocess.PIPE,
    )  # fmt: skip
    into = subprocess.run(
        [*_psql_args(target), "-c", "COPY public.bench FROM STDIN WITH (NULL 'NULL')"],
        stdin=out.stdout,
        check=True,
    )
    out.stdout.close()
    if out.wait() != 0 or into.returncode != 0:
        raise RuntimeError("mariadb | psql COPY failed")
    return {}


def case_maria_pg_dms(source: str, target: str) -> dict:
    return _dms(source, target, bench_mappings("%", rename_schema_to="public"))


CASES = {
    "pg-copy": case_pg_copy,
    "pg-dms": case_pg_dms,
    "lite-attach": case_lite_attach,
    "lite-dms": case_lite_dms,
    "maria-pg-cli": case_maria_pg_cli,
    "maria-pg-dms": case_maria_pg_dms,
}


def maria_database(rows: int) -> str:
    import uuid

    name = f"dms_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(MARIADB_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    admin.dispose()
    url = make_url(MARIADB_ADMIN).set(database=name)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE bench (id bigint PRIMARY KEY, qty int NOT NULL, name varchar(40), price decimal(12,2), "
                "created datetime, score double)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO bench SELECT seq, seq % 1000, concat('name-', md5(seq)), (seq % 100000) / 100.0, "
                f"'2024-01-01' + interval seq second, seq / 7.0 FROM seq_1_to_{rows}"
            )
        )
    engine.dispose()
    return url.render_as_string(hide_password=False)


def drop_maria(url: str) -> None:
    admin = create_engine(MARIADB_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{make_url(url).database}`"))
    admin.dispose()


def main() -> dict:
    results: dict = {"machine": machine(), "rows": ROWS}
    WORK.mkdir(parents=True, exist_ok=True)
    # PostgreSQL → PostgreSQL
    source = pg_database()
    targets = [pg_database(), pg_database()]
    try:
        fill_pg(source)
        results["pg-copy"] = run_case("dms_fullload.py", "pg-copy", source, targets[0])
        results["pg-dms"] = run_case("dms_fullload.py", "pg-dms", source, targets[1])
    finally:
        for url in (source, *targets):
            drop_pg(url)
    # SQLite → SQLite
    src = WORK / "bench-source.db"
    for p in WORK.glob("bench-*.db*"):
        p.unlink()
    fill_sqlite(src)
    results["lite-attach"] = run_case(
        "dms_fullload.py", "lite-attach", str(src), str(WORK / "bench-attach.db")
    )
    results["lite-dms"] = run_case("dms_fullload.py", "lite-dms", str(src), str(WORK / "bench-dms.db"))
    for p in WORK.glob("bench-*.db*"):
        p.unlink()
    # MariaDB → PostgreSQL (information)
    if "--with-mariadb" in sys.argv:
        maria = maria_database(ROWS)
        targets = [pg_database(), pg_database()]
        try:
            results["maria-pg-cli"] = run_case("dms_fullload.py", "maria-pg-cli", maria, targets[0])
            results["maria-pg-dms"] = run_case("dms_fullload.py", "maria-pg-dms", maria, targets[1])
            results["maria_ratio"] = round(
                results["maria-pg-cli"]["seconds"] / results["maria-pg-dms"]["seconds"], 3
            )
        finally:
            drop_maria(maria)
            for url in targets:
                drop_pg(url)
    results["pg_ratio"] = round(results["pg-copy"]["seconds"] / results["pg-dms"]["seconds"], 3)
    results["sqlite_ratio"] = round(results["lite-attach"]["seconds"] / results["lite-dms"]["seconds"], 3)
    return results


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in CASES:
        print(json.dumps(measure(CASES[sys.argv[1]], *sys.argv[2:4])))
    else:
        out = main()
        (WORK / "fullload.json").write_text(json.dumps(out, indent=2))
        print(json.dumps(out, indent=2))
