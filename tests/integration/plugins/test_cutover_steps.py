"""Cutover steps on real databases and the sandbox: read-only and back per engine, address switch and back."""

from __future__ import annotations

import json
import uuid

import pytest
from operators.cutover import SourceReadOnlyOperator, SwitchDatabaseAddressOperator
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, OperationalError

from tests.fixtures.databases import airflow_connection, mariadb_url, postgres_url  # noqa: F401 (fixtures)


def _writes(url) -> bool:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
        return True
    except (OperationalError, DBAPIError):
        return False
    finally:
        engine.dispose()


def _table(url) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER)"))
    engine.dispose()


def _step(source: dict, read_only: bool, users=None, context=None) -> dict:
    op = SourceReadOnlyOperator(
        task_id="ro", source=source, users=users, read_only=read_only, aws_conn_id=None
    )
    return op.execute(context)


def test_postgres_read_only_and_back(postgres_url, context, monkeypatch):  # noqa: F811
    _table(postgres_url)
    source = airflow_connection(monkeypatch, "ro_source", postgres_url)
    for _ in range(2):  # idempotent
        assert _step(source, True, context=context)["read_only"] is True
    assert not _writes(postgres_url)
    _step(source, False, context=context)
    assert _writes(postgres_url)


def test_sqlite_read_only_and_back(tmp_path, context):
    url = f"sqlite:///{tmp_path / 's.db'}"
    _table(url)
    source = {"engine": "sqlite", "database": str(tmp_path / "s.db")}
    _step(source, True, context=context)
    assert not _writes(url)
    _step(source, False, context=context)
    assert _writes(url)


def test_mariadb_revokes_the_app_users_writes_and_grants_them_back(mariadb_url, context, monkeypatch):  # noqa: F811
    _table(mariadb_url)
    user = f"app_{uuid.uuid4().hex[:6]}"
    admin = create_engine(mariadb_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE USER '{user}'@'%' IDENTIFIED BY 'app-pw'"))
        conn.execute(
            text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON `{mariadb_url.database}`.* TO '{user}'@'%'")
        )
    app_url = mariadb_url.set(username=user, password="app-pw")
    source = airflow_connection(monkeypatch, "ro_mariadb", mariadb_url)
    try:
        assert _writes(app_url)
        for _ in range(2):
            _step(source, True, [user], context)
        assert not _writes(app_url) and _writes(mariadb_url)  # only the application's writes stop
        _step(source, False, [user], context)
        assert _writes(app_url)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP USER IF EXISTS '{user}'@'%'"))
        admin.dispose()


@pytest.mark.parametrize("kind", ["secret", "ssm"])
def test_address_switch_survives_a_retry_and_switches_back(kind, aws_conn, sandbox, context):
    name = f"/orders/{uuid.uuid4().hex[:8]}/host"
    if kind == "secret":
        secret = sandbox.client("secretsmanager").create_secret(
            Name=name, SecretString=json.dumps({"host": "db-old", "password": "pw-x"})
        )["ARN"]
        place = {"secret_arn": secret}
    else:
        sandbox.client("ssm").put_parameter(Name=name, Value="db-old", Type="String")
        place = {"ssm_parameter": name}

    def switch(**kwargs):
        return SwitchDatabaseAddressOperator(task_id="sw", aws_conn_id=aws_conn, **place, **kwargs).execute(
            context
        )

    first = switch(value="db-new")
    assert first["changed"] and first["original"] == "db-old"
    retry = switch(value="db-new")
    assert not retry["changed"] and retry["original"] == "db-old"  # the original survives the retry
    back = switch(revert=True)
    assert back["changed"] and back["value"] == "db-old"
    assert not switch(revert=True)["changed"]
    if kind == "secret":
        data = json.loads(sandbox.client("secretsmanager").get_secret_value(SecretId=secret)["SecretString"])
        assert data == {"host": "db-old", "password": "pw-x"}
    assert "pw-x" not in json.dumps([first, retry, back])
