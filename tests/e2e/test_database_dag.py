"""The database DAG end to end on real Airflow against the sandbox: full load and CDC for SQLite -> SQLite,
PostgreSQL -> PostgreSQL, MariaDB -> MariaDB and MariaDB -> PostgreSQL while the application keeps writing
(PostgreSQL and MariaDB from the start, SQLite from the end of DMS validation: see _run_all) until the
cutover makes the source read-only, and a seeded mismatch that stops before the cutover gate.

One Airflow (api-server, scheduler, dag-processor, triggerer, LocalExecutor) and one sandbox (its own
process, no MGN servers, CDC metrics every second) for the module; the five DAG runs are in flight at once
and each test then judges what its run did. Real boto3 through the Airflow connection to the sandbox's DMS
(which moves and replicates real rows), GX checks on the real databases, gates answered through the HITL REST
API. At the cutover gate (CDC running) the test clears every task before the gate (instance, endpoints,
connection tests, task, start, full load, DMS validation, GX checks, current lag) through the REST API and
reads the sandbox's DMS state before and after.
"""

from __future__ import annotations

import json
import threading
import time
import traceback
from pathlib import Path

import pytest

from devstack.airflow_stack import AirflowStack, free_port
from devstack.api import AirflowUser
from devstack.demo import sandbox_connection
from devstack.follow import follow_run
from sandbox.testing import running_sandbox
from tests.e2e import database_world as W
from tests.e2e.run_checks import clear_and_rerun, scan_for_secrets, xcom

# Same xdist group as the wave e2e: one Airflow at a time on the 2-core CI machine.
# One module fixture runs every DAG run (about 4 min alone); in the full suite it shares 2 cores with the
# other e2e group, so its setup needs more than the suite's default 300 s.
pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.xdist_group("airflow_e2e"),
    pytest.mark.timeout(1200),
]

PLAN = "cdc"
CDC = ("items", "pgpg", "mm", "mpg")  # SQLite->SQLite, PG->PG, MariaDB->MariaDB, MariaDB->PG
MISMATCH = "mismatch__database__items"
PREPARE = (
    "replication_instance",
    "source_endpoint",
    "target_endpoint",
    "test_connections",
    "replication_task",
    "start_task",
    "full_load",
    "dms_validation",
    "gx_row_checks",
    "current_lag",
)  # every task before the cutover gate, cleared while CDC runs
SANDBOX = {"source_servers": [], "timing": {"dms_cdc_publish_seconds": 1}}


def dag_id(db: str) -> str:
    return f"{PLAN}__database__{db}"


def _cdc_plan(data: Path, urls: dict, secret_arn: str) -> tuple[dict, dict]:
    """The plan of the four CDC databases and, per database, (source URL, target URL) to compare."""
    maria = {"conn_id": "e2e_mariadb"}
    sqlite_src, sqlite_tgt = data / "items-source.db", data / "items-target.db"
    W.create_items(f"sqlite:///{sqlite_src}")
    databases = [
        W.cdc_database(
            "items", W.endpoint("sqlite", sqlite_src), W.endpoint("sqlite", sqlite_tgt), W.selection("%"), []
        ),
        W.cdc_database(
            "pgpg",
            W.endpoint("postgres", urls["pgpg_src"], secret_arn=secret_arn),
            W.endpoint("postgres", urls["pgpg_tgt"], conn_id="e2e_pg"),
            W.selection("public"),
            [W.APP_USER],
        ),
        W.cdc_database(
            "mm",
            W.endpoint("mariadb", urls["mm_src"], **maria),
            W.endpoint("mariadb", urls["mm_tgt"], **maria),
            W.selection(urls["mm_src"].database, rename=urls["mm_tgt"].database),
            [W.APP_USER],
        ),
        W.cdc_database(
            "mpg",
            W.endpoint("mariadb", urls["mpg_src"], **maria),
            W.endpoint("postgres", urls["mpg_tgt"], conn_id="e2e_pg"),
            W.selection(urls["mpg_src"].database, rename="public"),
            [W.APP_USER],
        ),
    ]
    pairs = {
        "items": (f"sqlite:///{sqlite_src}", f"sqlite:///{sqlite_tgt}"),
        **{db: (urls[f"{db}_src"], urls[f"{db}_tgt"]) for db in ("pgpg", "mm", "mpg")},
    }
    return W.plan(PLAN, databases), pairs


def _mismatch_plan(data: Path) -> dict:
    """Full load, validation only, onto a target seeded with one changed and one missing row."""
    source, target = data / "mismatch-source.db", data / "mismatch-target.db"
    W.create_items(f"sqlite:///{source}")
    W.create_items(f"sqlite:///{target}")
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{target}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE items SET qty = qty + 100 WHERE id = 7"))
        conn.execute(text("DELETE FROM items WHERE id = 9"))
    engine.dispose()
    db = W.cdc_database(
        "items", W.endpoint("sqlite", source), W.endpoint("sqlite", target), W.selection("%"), []
    )
    db.update(
        migration_type="full-load",
        task_settings={
            "FullLoadSettings": {"TargetTablePrepMode": "DO_NOTHING"},
            "ValidationSettings": {"ValidationOnly": True},
        },
        cutover={"address_switch": {"ssm_parameter": "/app/mismatch/db-host", "value": "items-target.local"}},
    )
    db["target"]["holds_data"] = True
    return W.plan("mismatch", [db])


def _databases():
    from sqlalchemy.engine import make_url

    from tests.fixtures.databases import (
        MARIADB_ADMIN_URL,
        POSTGRES_ADMIN_URL,
        mariadb_database,
        postgres_database,
    )

    gens = {
        **{k: postgres_database() for k in ("pgpg_src", "pgpg_tgt", "mpg_tgt")},
        **{k: mariadb_database() for k in ("mm_src", "mm_tgt", "mpg_src")},
    }
    urls = {k: next(g) for k, g in gens.items()}
    pg_admin, maria_admin = make_url(POSTGRES_ADMIN_URL), make_url(MARIADB_ADMIN_URL)
    W.postgres_app_role(pg_admin)
    W.mariadb_users(maria_admin, [urls["mm_src"].database, urls["mpg_src"].database])
    W.create_items(urls["pgpg_src"], pg_app=True)
    W.create_items(urls["mm_src"])
    W.create_items(urls["mpg_src"])

    def close() -> None:
        W.drop_postgres_slots(pg_admin, urls["pgpg_src"].database)
        for gen in gens.values():
            gen.close()
        W.postgres_app_role(pg_admin, drop=True)
        W.drop_mariadb_users(maria_admin)

    return urls, close


def _app_url(url, engine: str):
    """The application's connection to a source (the user whose writes the cutover stops)."""
    if engine == "sqlite":
        return url
    return url.set(username=W.APP_USER, password=W.APP_PASSWORD)


def _follow(stack: AirflowStack, sandbox, dag: str, run_id: str, cdc: bool, record: dict) -> None:
    admin, dms = AirflowUser(stack.base_url, "admin", stack.password("admin")), sandbox.client("dms")
    alice = AirflowUser(stack.base_url, "alice", stack.password("alice"))
    times: dict[str, dict[str, float]] = {}

    def on_change(task: str, state: str) -> None:
        times.setdefault(task, {}).setdefault(state, time.time())
        if task == "dms_validation" and state == "success" and "writer" in record:
            record["writer"].begin.set()

    def on_gate(detail: dict) -> None:
        task_id = detail["task_instance"]["task_id"]
        if cdc and task_id == "approve_cutover":  # CDC is running: clear every task before the gate
            base = f"{PLAN}-{dag.rsplit('__', 1)[1]}"
            before = W.dms_resources(dms, base)
            states = clear_and_rerun(admin, dag, run_id, PREPARE)
            record["clear"] = {"before": before, "after": W.dms_resources(dms, base), "states": states}
        alice.answer_gate(dag, run_id, task_id, "Approve")

    try:
        record["outcome"] = follow_run(
            admin, dag, run_id, on_gate=on_gate, on_change=on_change, timeout=600, poll=2
        )
    except Exception:  # reported by the tests that read this run
        record["error"] = traceback.format_exc()
    record["times"] = times


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    urls, close_databases = _databases()
    data, plans = tmp_path_factory.mktemp("data"), tmp_path_factory.mktemp("plans")
    port = free_port()
    try:
        with running_sandbox(
            SANDBOX, tmp_path_factory.mktemp("sandbox"), subprocess=True, port=port
        ) as sandbox:
            secret = sandbox.client("secretsmanager").create_secret(
                Name="e2e/pgpg/source",
                SecretString=json.dumps(
                    {
                        "username": "postgres",
                        "password": W.PG_SECRET_PASSWORD,
                        "host": "127.0.0.1",
                        "port": urls["pgpg_src"].port or 5432,
                        "dbname": urls["pgpg_src"].database,
                    }
                ),
            )["ARN"]
            cdc_plan, pairs = _cdc_plan(data, urls, secret)
            (plans / "cdc.yaml").write_text(json.dumps(cdc_plan, indent=2))
            (plans / "mismatch.yaml").write_text(json.dumps(_mismatch_plan(data), indent=2))
            ssm = sandbox.client("ssm")
            for db in (*CDC, "mismatch"):
                ssm.put_parameter(Name=f"/app/{db}/db-host", Value=f"{db}-source.local", Type="String")
            yield from _run_all(tmp_path_factory, sandbox, port, pairs, urls, plans)
    finally:
        close_databases()


def _run_all(tmp_path_factory, sandbox, port: int, pairs: dict, urls: dict, plans: Path):
    maria, pg = urls["mm_src"], urls["pgpg_tgt"]
    conn = {"host": "127.0.0.1"}
    stack = AirflowStack(
        home=tmp_path_factory.mktemp("airflow"),
        users={"admin": "admin", "alice": "user"},
        plans_dir=plans,
        extra_env={
            "AIRFLOW_CONN_AWS_SANDBOX": sandbox_connection(f"http://127.0.0.1:{port}"),
            "AIRFLOW_CONN_E2E_MARIADB": json.dumps(
                {
                    "conn_type": "mysql",
                    **conn,
                    "port": maria.port or 3306,
                    "login": W.DMS_USER,
                    "password": W.DMS_PASSWORD,
                }
            ),
            "AIRFLOW_CONN_E2E_PG": json.dumps(
                {
                    "conn_type": "postgres",
                    **conn,
                    "port": pg.port or 5432,
                    "login": "postgres",
                    "password": W.PG_CONN_PASSWORD,
                }
            ),
        },
    )
    stack.start()
    writers: dict[str, W.Writer] = {}
    try:
        admin = AirflowUser(stack.base_url, "admin", stack.password("admin"))
        for dag in [*map(dag_id, CDC), MISMATCH]:
            admin.wait_for_dag(dag, timeout=180)
        engines = {"items": "sqlite", "pgpg": "postgres", "mm": "mariadb", "mpg": "mariadb"}
        writers = {db: W.Writer(_app_url(_url(pairs[db][0]), engines[db]), db).start() for db in CDC}
        # PostgreSQL and MariaDB sources are written from the start (also during the full load and its
        # validation); the SQLite one from the end of DMS validation, as the sandbox's SQLite full load can
        # fail with "database is locked" under a busy writer.
        for db in ("pgpg", "mm", "mpg"):
            writers[db].begin.set()
        records: dict[str, dict] = {}
        threads = []
        for dag in [*map(dag_id, CDC), MISMATCH]:
            records[dag] = {"run_id": admin.trigger(dag)["dag_run_id"]}
            if dag != MISMATCH:
                records[dag]["writer"] = writers[dag.rsplit("__", 1)[1]]
            args = (stack, sandbox, dag, records[dag]["run_id"], dag != MISMATCH, records[dag])
            threads.append(threading.Thread(target=_follow, args=args, daemon=True))
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=700)
        records["seconds"] = time.monotonic() - started
        for writer in writers.values():
            writer.finish()
        yield {"stack": stack, "sandbox": sandbox, "records": records, "writers": writers, "pairs": pairs}
    finally:
        for writer in writers.values():
            writer.finish()
        stack.stop()


def _url(value):
    from sqlalchemy.engine import make_url

    return make_url(value) if isinstance(value, str) else value


def _run(world, dag: str) -> dict:
    record = world["records"][dag]
    assert "error" not in record, record["error"]
    assert "outcome" in record, f"{dag} was still followed when the module's wait ended"
    return record


def _admin(world) -> AirflowUser:
    stack = world["stack"]
    return AirflowUser(stack.base_url, "admin", stack.password("admin"))


@pytest.mark.parametrize("db", CDC)
def test_cdc_run_moves_the_written_source_then_cuts_over_reports_downtime_and_cleans_up(world, db):
    dag, admin = dag_id(db), _admin(world)
    record = _run(world, dag)
    outcome, times, writer = record["outcome"], record["times"], world["writers"][db]
    assert outcome.state == "success", outcome.task_states
    source, target = world["pairs"][db]
    src, tgt = W.rows(source), W.rows(target, "public.items" if db in ("pgpg", "mpg") else "items")
    assert src == tgt  # row by row, after the writes of the whole run
    # The application wrote during the run, also after the full load (so CDC carried those writes)...
    assert [t for t in writer.commits if t > times["full_load"]["success"]], "no write after the full load"
    if db != "items":  # written from the start: also while the full load ran
        assert min(writer.commits) < times["full_load"]["success"]
    assert any(r[0] > 100_000 for r in tgt)
    # ... and its writes were refused once the source went read-only, before the task stopped.
    assert writer.refused > 0 and max(writer.commits) < times["stop_task"]["success"]
    downtime = xcom(admin, dag, record["run_id"], "measure_downtime")
    assert downtime["downtime_seconds"] is not None and 0 < downtime["downtime_seconds"] < 120, downtime
    gates = {g["task_instance"]["task_id"]: g for g in admin.gates(dag, record["run_id"])}
    assert "Write downtime" in gates["approve_finalize"]["body"]
    parameter = world["sandbox"].client("ssm").get_parameter(Name=f"/app/{db}/db-host")["Parameter"]
    assert parameter["Value"] == f"{db}-target.local"
    left = W.dms_resources(world["sandbox"].client("dms"), f"{PLAN}-{db}")
    assert left == {"ReplicationInstances": [], "Endpoints": [], "ReplicationTasks": []}, left


@pytest.mark.parametrize("db", CDC)
def test_clearing_every_task_before_the_gate_creates_nothing_twice_and_never_restarts_cdc(world, db):
    clear = _run(world, dag_id(db))["clear"]
    assert set(clear["states"].values()) == {"success"}, clear["states"]
    for when in ("before", "after"):
        found = clear[when]
        counts = {k: len(v) for k, v in found.items()}
        assert counts == {"ReplicationInstances": 1, "Endpoints": 2, "ReplicationTasks": 1}, (when, counts)
    before, after = clear["before"]["ReplicationTasks"][0], clear["after"]["ReplicationTasks"][0]
    assert before["Status"] == after["Status"] == "running"
    assert after["ReplicationTaskStartDate"] == before["ReplicationTaskStartDate"]  # not started again
    assert after["ReplicationTaskArn"] == before["ReplicationTaskArn"]


@pytest.mark.parametrize("db", CDC)
def test_cdc_lag_waits_deferred_and_passes_seconds_after_the_writes_stop(world, db):
    record = _run(world, dag_id(db))
    lag = record["times"]["cdc_lag"]
    assert "deferred" in lag, lag  # waited in the triggerer, no worker slot held
    last_write = max(world["writers"][db].commits)
    assert lag["success"] - last_write < 45, (lag, last_write)


def test_no_endpoint_password_in_any_task_log_or_xcom(world):
    admin = _admin(world)
    for dag in [*map(dag_id, CDC), MISMATCH]:
        assert scan_for_secrets(admin, dag, _run(world, dag)["run_id"], W.PASSWORDS) > 20


def test_sqlite_run_shows_gx_checks_and_lag_at_the_gates(world):
    dag, admin = dag_id("items"), _admin(world)
    run_id = _run(world, dag)["run_id"]
    before = xcom(admin, dag, run_id, "gx_row_checks")
    assert before["checks"] >= 8  # report-only while the app still writes
    drained = xcom(admin, dag, run_id, "gx_verify")
    assert drained["success"] and drained["failed"] == 0 and drained["checks"] >= 8
    gates = {g["task_instance"]["task_id"]: g for g in admin.gates(dag, run_id)}
    assert (
        "GX row checks" in gates["approve_cutover"]["body"] and "CDC lag" in gates["approve_cutover"]["body"]
    )


def test_seeded_mismatch_stops_before_the_cutover_gate_named_by_dms_validation_and_gx(world):
    admin, record = _admin(world), _run(world, MISMATCH)
    outcome, run_id = record["outcome"], record["run_id"]
    states = outcome.task_states
    assert outcome.state == "failed" and not outcome.gates, (outcome.state, outcome.gates)
    assert states["dms_validation"] == "failed" and states["gx_row_checks"] == "failed", states
    assert states["approve_cutover"] == "upstream_failed" and states["rollback.restore_address"] == "success"
    dms = xcom(admin, MISMATCH, run_id, "dms_validation", "validation_failures")
    assert dms["failures"]["total"] == 2
    gx = xcom(admin, MISMATCH, run_id, "gx_row_checks", "gx_result")
    failed = {r["check"] for r in gx["results"] if not r["success"]}
    assert {"row count", "qty sum equals the source"} <= failed
    parameter = world["sandbox"].client("ssm").get_parameter(Name="/app/mismatch/db-host")["Parameter"]
    assert parameter["Value"] == "mismatch-source.local"
