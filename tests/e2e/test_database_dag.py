"""The database DAG end to end on real Airflow against the sandbox, full load: SQLite -> SQLite (moved,
checked, address switched, cleaned up), a seeded mismatch (stopped before the gate by DMS validation and
GX), MariaDB -> PostgreSQL with connection credentials (no password in any log or XCom).

Real Airflow (api-server, scheduler, dag-processor, triggerer, LocalExecutor), real boto3 through the
Airflow connection to the sandbox's DMS (which moves real rows), GX checks on the real databases, gates
answered through the HITL REST API. CDC plans follow once the sandbox's DMS runs CDC tasks.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from devstack.airflow_stack import AirflowStack, free_port
from devstack.api import AirflowUser
from devstack.demo import sandbox_connection
from devstack.follow import follow_run, wait_until_parked
from sandbox.testing import running_sandbox

# Same xdist group as the wave e2e: one Airflow at a time on the 2-core CI machine.
pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.xdist_group("airflow_e2e")]

PLAN, DB = "rehearsal", "items"
DAG_ID = f"{PLAN}__database__{DB}"
BAD_DAG_ID = "mismatch__database__items"
CROSS_DAG_ID = "cross__database__shop"
MARIA_USER = "e2e_dms_app"
MARIA_PASSWORD = "Maria-pw-4c1f9e"  # test-only credentials of a throwaway user; scanned for below
PG_PASSWORD = "Pg-pw-77d2b0"  # PostgreSQL trusts local connections: the password travels but is unused
PARAMETER = "/app/items/db-host"


def _plan(folder: Path, source: Path, target: Path, name: str = PLAN, seeded_target: bool = False) -> None:
    rules = [
        {
            "rule-type": "selection",
            "rule-id": "1",
            "rule-name": "all",
            "object-locator": {"schema-name": "%", "table-name": "%"},
            "rule-action": "include",
        }
    ]
    plan = {
        "plan": {
            "name": name,
            "region": "us-east-1",
            "aws_conn_id": "aws_sandbox",
            "approvers": ["alice"],
            "poll_interval_seconds": 2,
        },
        "databases": [
            {
                "name": DB,
                "migration_type": "full-load",
                "source": {"engine": "sqlite", "database": str(source)},
                "target": {"engine": "sqlite", "database": str(target)},
                "replication_instance": {"allocated_storage_gb": 20},
                "table_mappings": {"rules": rules},
                "task_settings": (
                    {
                        "FullLoadSettings": {"TargetTablePrepMode": "DO_NOTHING"},
                        "ValidationSettings": {"ValidationOnly": True},
                    }
                    if seeded_target
                    else {"FullLoadSettings": {"TargetTablePrepMode": "DROP_AND_CREATE"}}
                ),
                "validation": {
                    "great_expectations": {
                        "sql_checks": [
                            {
                                "table": "items",
                                "name": "no negative qty",
                                "query": "SELECT * FROM {batch} WHERE qty < 0",
                            }
                        ]
                    }
                },
                "cutover": {"address_switch": {"ssm_parameter": PARAMETER, "value": "items-target.local"}},
            }
        ],
    }
    if seeded_target:
        plan["databases"][0]["target"]["holds_data"] = True
    (folder / f"{name}.yaml").write_text(json.dumps(plan, indent=2))


def _source(path: Path, changes: tuple[str, ...] = ()) -> None:
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(20), qty INTEGER, price NUMERIC(9,2))"
            )
        )
        conn.execute(
            text("INSERT INTO items VALUES (:i, :n, :q, :p)"),
            [{"i": i, "n": f"item {i}", "q": i % 9, "p": f"{i}.5"} for i in range(1, 501)],
        )
        for change in changes:
            conn.execute(text(change))
    engine.dispose()


def _conn(kind: str, url, login: str, password: str) -> str:
    return json.dumps(
        {"conn_type": kind, "host": url.host, "port": url.port, "login": login, "password": password}
    )


def _server_world(maria_url, pg_url) -> None:
    """The MariaDB source (an app user with a password, rows) and an empty PostgreSQL target."""
    admin = create_engine(maria_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP USER IF EXISTS '{MARIA_USER}'@'%'"))
        conn.execute(text(f"CREATE USER '{MARIA_USER}'@'%' IDENTIFIED BY '{MARIA_PASSWORD}'"))
        conn.execute(text(f"GRANT ALL ON `{maria_url.database}`.* TO '{MARIA_USER}'@'%'"))
        conn.execute(text(f"USE `{maria_url.database}`"))
        conn.execute(
            text("CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20), qty INT, price DECIMAL(9,2))")
        )
        conn.execute(
            text("INSERT INTO items VALUES (:i, :n, :q, :p)"),
            [{"i": i, "n": f"item {i}", "q": i % 9, "p": f"{i}.5"} for i in range(1, 301)],
        )
    admin.dispose()


def _cross_plan(folder: Path, maria_url, pg_url) -> None:
    schema = maria_url.database
    rules = [
        {
            "rule-type": "selection",
            "rule-id": "1",
            "rule-name": "shop",
            "object-locator": {"schema-name": schema, "table-name": "%"},
            "rule-action": "include",
        },
        {
            "rule-type": "transformation",
            "rule-id": "2",
            "rule-name": "to-public",
            "rule-target": "schema",
            "object-locator": {"schema-name": schema, "table-name": "%"},
            "rule-action": "rename",
            "value": "public",
        },
    ]
    plan = {
        "plan": {
            "name": "cross",
            "region": "us-east-1",
            "aws_conn_id": "aws_sandbox",
            "approvers": ["alice"],
            "poll_interval_seconds": 2,
        },
        "databases": [
            {
                "name": "shop",
                "migration_type": "full-load",
                "source": {
                    "engine": "mariadb",
                    "host": "127.0.0.1",
                    "port": maria_url.port or 3306,
                    "database": schema,
                    "conn_id": "e2e_mariadb",
                },
                "target": {
                    "engine": "postgres",
                    "host": "127.0.0.1",
                    "port": pg_url.port or 5432,
                    "database": pg_url.database,
                    "conn_id": "e2e_pg",
                },
                "replication_instance": {"allocated_storage_gb": 20},
                "table_mappings": {"rules": rules},
                "task_settings": {"FullLoadSettings": {"TargetTablePrepMode": "DROP_AND_CREATE"}},
            }
        ],
    }
    (folder / "cross.yaml").write_text(json.dumps(plan, indent=2))


def _rows(path: Path) -> list[tuple]:
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text("SELECT id, name, qty, price FROM items ORDER BY id"))]
    engine.dispose()
    return rows


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from tests.fixtures.databases import mariadb_database, postgres_database

    servers = [mariadb_database(), postgres_database()]
    maria_url, pg_url = (next(g) for g in servers)
    _server_world(maria_url, pg_url)
    data = tmp_path_factory.mktemp("data")
    plans = tmp_path_factory.mktemp("plans")
    source, target = data / "source.db", data / "target.db"
    _source(source)
    _plan(plans, source, target)
    seeded = data / "seeded-target.db"
    _source(seeded, ("UPDATE items SET qty = qty + 100 WHERE id = 7", "DELETE FROM items WHERE id = 9"))
    _plan(plans, source, seeded, name="mismatch", seeded_target=True)
    _cross_plan(plans, maria_url, pg_url)
    port = free_port()
    stack = AirflowStack(
        home=tmp_path_factory.mktemp("airflow"),
        users={"admin": "admin", "alice": "user"},
        plans_dir=plans,
        extra_env={
            "AIRFLOW_CONN_AWS_SANDBOX": sandbox_connection(f"http://127.0.0.1:{port}"),
            "AIRFLOW_CONN_E2E_MARIADB": _conn("mysql", maria_url, MARIA_USER, MARIA_PASSWORD),
            "AIRFLOW_CONN_E2E_PG": _conn("postgres", pg_url, "postgres", PG_PASSWORD),
        },
    )
    stack.start()
    try:
        admin = AirflowUser(stack.base_url, "admin", stack.password("admin"))
        admin.wait_for_dag(DAG_ID, timeout=180)
        admin.wait_for_dag(BAD_DAG_ID, timeout=60)
        admin.wait_for_dag(CROSS_DAG_ID, timeout=60)
        yield {
            "stack": stack,
            "port": port,
            "source": source,
            "target": target,
            "maria": maria_url,
            "pg": pg_url,
        }
    finally:
        stack.stop()
        for gen in servers:
            gen.close()


def test_full_load_database_dag_moves_checks_switches_and_cleans_up(world):
    stack = world["stack"]
    admin = AirflowUser(stack.base_url, "admin", stack.password("admin"))
    alice = AirflowUser(stack.base_url, "alice", stack.password("alice"))
    with running_sandbox(port=world["port"], reset_moto=True) as sandbox:
        sandbox.client("ssm").put_parameter(Name=PARAMETER, Value="items-source.local", Type="String")
        run_id = admin.trigger(DAG_ID)["dag_run_id"]

        def on_gate(detail):
            task_id = detail["task_instance"]["task_id"]
            wait_until_parked(admin, DAG_ID, run_id, task_id)
            alice.answer_gate(DAG_ID, run_id, task_id, "Approve")

        outcome = follow_run(admin, DAG_ID, run_id, on_gate=on_gate, timeout=600)
        assert outcome.state == "success", outcome.task_states
        assert _rows(world["target"]) == _rows(world["source"])  # row by row
        assert (
            sandbox.client("ssm").get_parameter(Name=PARAMETER)["Parameter"]["Value"] == "items-target.local"
        )
        dms = sandbox.client("dms")
        for call, key in (
            ("describe_replication_tasks", "ReplicationTasks"),
            ("describe_endpoints", "Endpoints"),
            ("describe_replication_instances", "ReplicationInstances"),
        ):
            try:
                left = getattr(dms, call)()[key]
            except dms.exceptions.ResourceNotFoundFault:
                left = []
            assert left == [], (call, left)
        gx = admin.request(
            "GET",
            f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/gx_row_checks/xcomEntries/return_value",
            params={"deserialize": True},
        )["value"]
        assert gx["success"] and gx["failed"] == 0 and gx["checks"] >= 8
        gates = {g["task_instance"]["task_id"]: g for g in admin.gates(DAG_ID, run_id)}
        assert (
            "GX row checks" in gates["approve_cutover"]["body"]
            and "Write downtime" in gates["approve_finalize"]["body"]
        )


def test_seeded_mismatch_stops_before_the_cutover_gate_named_by_dms_validation_and_gx(world):
    stack = world["stack"]
    admin = AirflowUser(stack.base_url, "admin", stack.password("admin"))
    with running_sandbox(port=world["port"], reset_moto=True) as sandbox:
        sandbox.client("ssm").put_parameter(Name=PARAMETER, Value="items-source.local", Type="String")
        run_id = admin.trigger(BAD_DAG_ID)["dag_run_id"]

        def on_gate(detail):
            pytest.fail(f"gate {detail['task_instance']['task_id']} must not open on mismatched data")

        outcome = follow_run(admin, BAD_DAG_ID, run_id, on_gate=on_gate, timeout=600)
        states = outcome.task_states
        assert outcome.state == "failed"
        assert states["dms_validation"] == "failed" and states["gx_row_checks"] == "failed", states
        assert (
            states["approve_cutover"] == "upstream_failed" and states["rollback.restore_address"] == "success"
        )
        xcoms = f"/dags/{BAD_DAG_ID}/dagRuns/{run_id}/taskInstances"
        dms = admin.request(
            "GET", f"{xcoms}/dms_validation/xcomEntries/validation_failures", params={"deserialize": True}
        )
        assert dms["value"]["failures"]["total"] == 2
        gx = admin.request(
            "GET", f"{xcoms}/gx_row_checks/xcomEntries/gx_result", params={"deserialize": True}
        )
        failed = {r["check"] for r in gx["value"]["results"] if not r["success"]}
        assert {"row count", "qty sum equals the source"} <= failed
        assert (
            sandbox.client("ssm").get_parameter(Name=PARAMETER)["Parameter"]["Value"] == "items-source.local"
        )


def _scan_for(admin, dag_id: str, run_id: str, secrets: list[str]) -> int:
    """Every task log and XCom entry of the run; returns how many texts were read (all without a secret)."""
    base = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances"
    read = 0
    for ti in admin.task_instances(dag_id, run_id):
        task, tries = ti["task_id"], max(1, ti.get("try_number") or 1)
        index = ti.get("map_index", -1)
        for attempt in range(1, tries + 1):
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
                assert not [s for s in secrets if s in text_], (task, attempt)
    return read


def test_mariadb_to_postgres_with_connection_credentials_never_shows_a_password(world):
    stack = world["stack"]
    admin = AirflowUser(stack.base_url, "admin", stack.password("admin"))
    alice = AirflowUser(stack.base_url, "alice", stack.password("alice"))
    with running_sandbox(port=world["port"], reset_moto=True):
        run_id = admin.trigger(CROSS_DAG_ID)["dag_run_id"]

        def on_gate(detail):
            task_id = detail["task_instance"]["task_id"]
            wait_until_parked(admin, CROSS_DAG_ID, run_id, task_id)
            alice.answer_gate(CROSS_DAG_ID, run_id, task_id, "Approve")

        outcome = follow_run(admin, CROSS_DAG_ID, run_id, on_gate=on_gate, timeout=600)
        assert outcome.state == "success", outcome.task_states
    query = "SELECT id, name, qty, price FROM {} ORDER BY id"
    source, target = create_engine(world["maria"]), create_engine(world["pg"])
    with source.connect() as s, target.connect() as t:
        src = [tuple(r) for r in s.execute(text(query.format("items")))]
        tgt = [tuple(r) for r in t.execute(text(query.format("public.items")))]
    source.dispose()
    target.dispose()
    assert src == tgt and len(src) == 300
    assert _scan_for(admin, CROSS_DAG_ID, run_id, [MARIA_PASSWORD, PG_PASSWORD]) > 20
