"""The DMS control plane over HTTP: real boto3 clients, botocore waiters, real rows moved."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from botocore.exceptions import ClientError, WaiterError

from sandbox.testing import include_all, running_sandbox

from .conftest import KEYS_REALISTIC, create_realistic, fetch_table

pytestmark = pytest.mark.integration

FAST = {"Delay": 0.2, "MaxAttempts": 300}  # botocore sleeps Delay as given: fractions work


@pytest.fixture(scope="module")
def sandbox():
    with running_sandbox({"source_servers": []}) as handle:
        yield handle


@pytest.fixture(scope="module")
def dms(sandbox):
    return sandbox.client("dms")


@pytest.fixture(scope="module")
def instance_arn(dms):
    arn = dms.create_replication_instance(
        ReplicationInstanceIdentifier="ri-shared", ReplicationInstanceClass="dms.t3.medium"
    )["ReplicationInstance"]["ReplicationInstanceArn"]
    dms.get_waiter("replication_instance_available").wait(
        Filters=[{"Name": "replication-instance-arn", "Values": [arn]}], WaiterConfig=FAST
    )
    return arn


def _pg_endpoint(dms, ident, etype, url, **extra):
    return dms.create_endpoint(
        EndpointIdentifier=ident,
        EndpointType=etype,
        EngineName="postgres",
        ServerName=url.host,
        Port=url.port,
        DatabaseName=url.database,
        **extra,
    )["Endpoint"]


def _sqlite_endpoint(dms, ident, etype, path, **extra):
    return dms.create_endpoint(
        EndpointIdentifier=ident, EndpointType=etype, EngineName="sqlite", DatabaseName=path, **extra
    )["Endpoint"]


def _wait_settled(dms, task_arn, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        task = dms.describe_replication_tasks(
            Filters=[{"Name": "replication-task-arn", "Values": [task_arn]}]
        )["ReplicationTasks"][0]
        if task["Status"] not in ("creating", "starting", "modifying"):
            return task
        time.sleep(0.1)
    raise AssertionError("task did not settle")


def test_full_load_task_lifecycle(sandbox, dms, instance_arn, postgres_url, postgres_url_2):
    rows = create_realistic(postgres_url, customers=80)
    secrets = sandbox.client("secretsmanager")
    secret_arn = secrets.create_secret(
        Name=f"dms/source-db-{uuid.uuid4().hex[:8]}",  # moto state is process-wide
        SecretString=json.dumps(
            {"username": "postgres", "password": "", "host": postgres_url.host, "port": postgres_url.port}
        ),
    )["ARN"]
    source = dms.create_endpoint(
        EndpointIdentifier="src-pg",
        EndpointType="source",
        EngineName="postgres",
        DatabaseName=postgres_url.database,
        PostgreSQLSettings={
            "SecretsManagerSecretId": secret_arn,
            "SecretsManagerAccessRoleArn": "arn:aws:iam::123456789012:role/dms-secrets",
        },
    )["Endpoint"]
    target = _pg_endpoint(
        dms, "tgt-pg", "target", postgres_url_2, Username="postgres", Password="not-a-real-one"
    )
    described = dms.describe_endpoints(Filters=[{"Name": "endpoint-id", "Values": ["tgt-pg"]}])["Endpoints"][
        0
    ]
    assert "Password" not in described and described["Username"] == "postgres"
    assert described["EndpointType"] == "TARGET"

    for ep in (source, target):
        dms.test_connection(ReplicationInstanceArn=instance_arn, EndpointArn=ep["EndpointArn"])
    dms.get_waiter("test_connection_succeeds").wait(
        Filters=[{"Name": "endpoint-arn", "Values": [source["EndpointArn"], target["EndpointArn"]]}],
        WaiterConfig=FAST,
    )

    settings = {
        "ValidationSettings": {"EnableValidation": True, "PartitionSize": 40},
        "FullLoadSettings": {"CommitRate": 100},
        "TargetMetadata": {"LobMaxSize": 64},
    }
    task = dms.create_replication_task(
        ReplicationTaskIdentifier="pg-to-pg",
        SourceEndpointArn=source["EndpointArn"],
        TargetEndpointArn=target["EndpointArn"],
        ReplicationInstanceArn=instance_arn,
        MigrationType="full-load",
        TableMappings=json.dumps(include_all("public")),
        ReplicationTaskSettings=json.dumps(settings),
    )["ReplicationTask"]
    assert task["Status"] == "creating"
    task_filter = [{"Name": "replication-task-arn", "Values": [task["ReplicationTaskArn"]]}]
    dms.get_waiter("replication_task_ready").wait(Filters=task_filter, WaiterConfig=FAST)
    stored = json.loads(
        dms.describe_replication_tasks(Filters=task_filter)["ReplicationTasks"][0]["ReplicationTaskSettings"]
    )
    assert (
        stored["FullLoadSettings"]["CommitRate"] == 100
        and stored["FullLoadSettings"]["MaxFullLoadSubTasks"] == 8
    )

    started = dms.start_replication_task(
        ReplicationTaskArn=task["ReplicationTaskArn"], StartReplicationTaskType="start-replication"
    )["ReplicationTask"]
    assert started["Status"] == "starting"
    _wait_settled(dms, task["ReplicationTaskArn"])
    dms.get_waiter("replication_task_stopped").wait(Filters=task_filter, WaiterConfig=FAST)
    done = dms.describe_replication_tasks(Filters=task_filter)["ReplicationTasks"][0]
    assert done["StopReason"] == "Stop Reason FULL_LOAD_ONLY_FINISHED"
    stats = done["ReplicationTaskStats"]
    assert stats["FullLoadProgressPercent"] == 100
    assert (stats["TablesLoaded"], stats["TablesErrored"], stats["TablesQueued"]) == (5, 0, 0)
    assert stats["FullLoadFinishDate"] >= stats["FullLoadStartDate"]

    table_stats = {
        t["TableName"]: t
        for t in dms.describe_table_statistics(ReplicationTaskArn=task["ReplicationTaskArn"])[
            "TableStatistics"
        ]
    }
    for table, table_rows in rows.items():
        assert table_stats[table]["FullLoadRows"] == len(table_rows)
        assert table_stats[table]["TableState"] == "Table completed"
    assert table_stats["customers"]["ValidationState"] == "Validated"
    assert table_stats["events"]["ValidationState"] == "No primary key"
    for table, key in KEYS_REALISTIC.items():
        assert fetch_table(postgres_url, table, key) == fetch_table(
            postgres_url_2, table, key, schema="public"
        )

    # a filter that matches nothing is ResourceNotFoundFault, as on AWS
    with pytest.raises(ClientError) as err:
        dms.describe_replication_tasks(Filters=[{"Name": "replication-task-id", "Values": ["nope"]}])
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundFault"

    # clean up through the deleted waiters
    with pytest.raises(ClientError) as err:
        dms.delete_endpoint(EndpointArn=source["EndpointArn"])
    assert err.value.response["Error"]["Code"] == "InvalidResourceStateFault"
    dms.delete_replication_task(ReplicationTaskArn=task["ReplicationTaskArn"])
    dms.get_waiter("replication_task_deleted").wait(Filters=task_filter, WaiterConfig=FAST)
    for ep in (source, target):
        dms.delete_endpoint(EndpointArn=ep["EndpointArn"])
    dms.get_waiter("endpoint_deleted").wait(
        Filters=[{"Name": "endpoint-arn", "Values": [source["EndpointArn"], target["EndpointArn"]]}],
        WaiterConfig=FAST,
    )


def test_cdc_task_stays_running_until_stopped_and_reloads(dms, instance_arn, sqlite_url, sqlite_url_2):
    create_realistic(sqlite_url, customers=20)
    source = _sqlite_endpoint(dms, "src-lite", "source", sqlite_url.database)
    target = _sqlite_endpoint(dms, "tgt-lite", "target", sqlite_url_2.database)
    task = dms.create_replication_task(
        ReplicationTaskIdentifier="lite-cdc",
        SourceEndpointArn=source["EndpointArn"],
        TargetEndpointArn=target["EndpointArn"],
        ReplicationInstanceArn=instance_arn,
        MigrationType="full-load-and-cdc",
        TableMappings=json.dumps(include_all("main", "customers")),
    )["ReplicationTask"]
    task_filter = [{"Name": "replication-task-arn", "Values": [task["ReplicationTaskArn"]]}]
    dms.get_waiter("replication_task_ready").wait(Filters=task_filter, WaiterConfig=FAST)
    with pytest.raises(ClientError) as err:
        dms.start_replication_task(
            ReplicationTaskArn=task["ReplicationTaskArn"], StartReplicationTaskType="resume-processing"
        )
    assert err.value.response["Error"]["Code"] == "InvalidResourceStateFault"
    dms.start_replication_task(
        ReplicationTaskArn=task["ReplicationTaskArn"], StartReplicationTaskType="start-replication"
    )
    _wait_settled(dms, task["ReplicationTaskArn"])
    dms.get_waiter("replication_task_running").wait(Filters=task_filter, WaiterConfig=FAST)
    deadline = time.monotonic() + 30
    while (
        dms.describe_replication_tasks(Filters=task_filter)["ReplicationTasks"][0]["ReplicationTaskStats"][
            "TablesLoaded"
        ]
        != 1
    ):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    dms.reload_tables(
        ReplicationTaskArn=task["ReplicationTaskArn"],
        TablesToReload=[{"SchemaName": "main", "TableName": "customers"}],
    )
    # visible at once (the provider's table_reload_complete waiter polls right away)
    first = dms.describe_table_statistics(ReplicationTaskArn=task["ReplicationTaskArn"])["TableStatistics"][0]
    assert first["FullLoadReloaded"] is True
    assert first["TableState"] in ("Table is being reloaded", "Table completed")
    deadline = time.monotonic() + 30
    while True:
        stats = dms.describe_table_statistics(ReplicationTaskArn=task["ReplicationTaskArn"])[
            "TableStatistics"
        ]
        if stats and stats[0]["FullLoadReloaded"] and stats[0]["TableState"] == "Table completed":
            break
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert stats[0]["FullLoadRows"] == 20
    dms.stop_replication_task(ReplicationTaskArn=task["ReplicationTaskArn"])
    dms.get_waiter("replication_task_stopped").wait(Filters=task_filter, WaiterConfig=FAST)
    stopped = dms.describe_replication_tasks(Filters=task_filter)["ReplicationTasks"][0]
    assert stopped["StopReason"] == "Stop Reason NORMAL"
    with pytest.raises(ClientError) as err:
        dms.reload_tables(
            ReplicationTaskArn=task["ReplicationTaskArn"],
            TablesToReload=[{"SchemaName": "main", "TableName": "customers"}],
        )
    assert err.value.response["Error"]["Code"] == "InvalidResourceStateFault"


def test_bad_input_gives_aws_errors(dms, instance_arn, sqlite_url, tmp_path):
    create_realistic(sqlite_url, customers=5)
    source = _sqlite_endpoint(dms, "src-bad", "source", sqlite_url.database)
    target = _sqlite_endpoint(dms, "tgt-bad", "target", str(tmp_path / "target.db"))
    unreachable = dms.create_endpoint(
        EndpointIdentifier="pg-nowhere",
        EndpointType="target",
        EngineName="postgres",
        ServerName="127.0.0.1",
        Port=1,
        Username="postgres",
        Password="secret-password",
        DatabaseName="x",
    )["Endpoint"]
    common = {
        "SourceEndpointArn": source["EndpointArn"],
        "TargetEndpointArn": target["EndpointArn"],
        "ReplicationInstanceArn": instance_arn,
        "MigrationType": "full-load",
    }

    def error_of(call, **kwargs):
        with pytest.raises(ClientError) as err:
            call(**kwargs)
        return err.value.response["Error"]

    bad_json = error_of(
        dms.create_replication_task, ReplicationTaskIdentifier="t1", TableMappings="{rules", **common
    )
    assert bad_json["Code"] == "InvalidParameterValueException" and "table mappings" in bad_json["Message"]
    bad_rule = error_of(
        dms.create_replication_task,
        ReplicationTaskIdentifier="t2",
        TableMappings=json.dumps(
            {
                "rules": [
                    {
                        "rule-type": "selection",
                        "rule-id": "1",
                        "rule-name": "x",
                        "object-locator": {"schema-name": "main", "table-name": "%"},
                        "rule-action": "maybe",
                    }
                ]
            }
        ),
        **common,
    )
    assert "rule-action" in bad_rule["Message"]
    unknown = error_of(
        dms.create_replication_task,
        ReplicationTaskIdentifier="t3",
        TableMappings=json.dumps(include_all()),
        ReplicationTaskSettings=json.dumps({"FullLoadSettings": {"CommitRat": 5}}),
        **common,
    )
    assert unknown["Code"] == "InvalidParameterValueException"
    assert "FullLoadSettings.CommitRat" in unknown["Message"]
    assert error_of(dms.describe_endpoints, Filters=[{"Name": "colour", "Values": ["x"]}])["Code"] == (
        "InvalidParameterValueException"
    )

    # unreachable endpoint: a real connection attempt fails, the waiter fails, the password never shows
    dms.test_connection(ReplicationInstanceArn=instance_arn, EndpointArn=unreachable["EndpointArn"])
    with pytest.raises(WaiterError):
        dms.get_waiter("test_connection_succeeds").wait(
            Filters=[{"Name": "endpoint-arn", "Values": [unreachable["EndpointArn"]]}], WaiterConfig=FAST
        )
    conn = dms.describe_connections(
        Filters=[{"Name": "endpoint-arn", "Values": [unreachable["EndpointArn"]]}]
    )["Connections"][0]
    assert conn["Status"] == "failed" and "Cannot connect" in conn["LastFailureMessage"]
    assert "secret-password" not in json.dumps(conn)

    # a secret that does not exist: the endpoint is created, the connection test fails and says why
    no_secret = dms.create_endpoint(
        EndpointIdentifier="pg-no-secret",
        EndpointType="source",
        EngineName="postgres",
        DatabaseName="x",
        PostgreSQLSettings={"SecretsManagerSecretId": "dms/does-not-exist"},
    )["Endpoint"]
    dms.test_connection(ReplicationInstanceArn=instance_arn, EndpointArn=no_secret["EndpointArn"])
    with pytest.raises(WaiterError):
        dms.get_waiter("test_connection_succeeds").wait(
            Filters=[{"Name": "endpoint-arn", "Values": [no_secret["EndpointArn"]]}], WaiterConfig=FAST
        )
    conn = dms.describe_connections(Filters=[{"Name": "endpoint-arn", "Values": [no_secret["EndpointArn"]]}])[
        "Connections"
    ][0]
    assert "Cannot read secret dms/does-not-exist" in conn["LastFailureMessage"]

    # a task on the unreachable endpoint fails with the reason; a missing table fails like DMS
    for ident, target_arn, mappings in (
        ("t-unreachable", unreachable["EndpointArn"], include_all()),
        ("t-missing", target["EndpointArn"], include_all("main", "no_such_table")),
    ):
        task = dms.create_replication_task(
            ReplicationTaskIdentifier=ident,
            **{**common, "TargetEndpointArn": target_arn},
            TableMappings=json.dumps(mappings),
        )["ReplicationTask"]
        task_filter = [{"Name": "replication-task-arn", "Values": [task["ReplicationTaskArn"]]}]
        dms.get_waiter("replication_task_ready").wait(Filters=task_filter, WaiterConfig=FAST)
        dms.start_replication_task(
            ReplicationTaskArn=task["ReplicationTaskArn"], StartReplicationTaskType="start-replication"
        )
        deadline = time.monotonic() + 30
        while (t := dms.describe_replication_tasks(Filters=task_filter)["ReplicationTasks"][0])[
            "Status"
        ] != "failed":
            assert time.monotonic() < deadline, t
            time.sleep(0.1)
        if ident == "t-missing":
            assert t["LastFailureMessage"].startswith("No tables were found at task initialization")
        else:
            assert "Cannot connect to target endpoint pg-nowhere" in t["LastFailureMessage"]
            assert "secret-password" not in t["LastFailureMessage"]


def test_modify_then_stop_in_the_middle_of_a_load(dms, instance_arn, sqlite_url, postgres_url):
    import sqlite3

    conn = sqlite3.connect(sqlite_url.database)
    conn.execute("CREATE TABLE big (id INTEGER PRIMARY KEY, payload VARCHAR(60))")
    conn.execute(
        "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 200000) "
        "INSERT INTO big SELECT n, hex(randomblob(24)) FROM g"
    )
    conn.commit()
    conn.close()
    source = _sqlite_endpoint(dms, "src-big", "source", sqlite_url.database)
    target = _pg_endpoint(dms, "tgt-big", "target", postgres_url, Username="postgres")
    mappings = include_all("main", "big")
    mappings["rules"].append(
        {
            "rule-type": "transformation",
            "rule-id": "2",
            "rule-name": "public",
            "rule-target": "schema",
            "object-locator": {"schema-name": "main"},
            "rule-action": "rename",
            "value": "public",
        }
    )
    task = dms.create_replication_task(
        ReplicationTaskIdentifier="big-load",
        SourceEndpointArn=source["EndpointArn"],
        TargetEndpointArn=target["EndpointArn"],
        ReplicationInstanceArn=instance_arn,
        MigrationType="full-load",
        TableMappings=json.dumps(mappings),
    )["ReplicationTask"]
    task_filter = [{"Name": "replication-task-arn", "Values": [task["ReplicationTaskArn"]]}]
    dms.get_waiter("replication_task_ready").wait(Filters=task_filter, WaiterConfig=FAST)
    modified = dms.modify_replication_task(
        ReplicationTaskArn=task["ReplicationTaskArn"],
        ReplicationTaskSettings=json.dumps({"FullLoadSettings": {"CommitRate": 500}}),
    )["ReplicationTask"]
    assert modified["Status"] == "modifying"  # botocore's ready waiter treats modifying as a failure
    assert _wait_settled(dms, task["ReplicationTaskArn"])["Status"] == "ready"
    settings = json.loads(
        dms.describe_replication_tasks(Filters=task_filter)["ReplicationTasks"][0]["ReplicationTaskSettings"]
    )
    assert settings["FullLoadSettings"]["CommitRate"] == 500

    dms.start_replication_task(
        ReplicationTaskArn=task["ReplicationTaskArn"], StartReplicationTaskType="start-replication"
    )
    deadline = time.monotonic() + 30
    while True:  # wait until rows are flowing
        stats = dms.describe_table_statistics(ReplicationTaskArn=task["ReplicationTaskArn"])[
            "TableStatistics"
        ]
        if stats and stats[0]["FullLoadRows"] > 0:
            break
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert stats[0]["TableState"] == "Full load" and stats[0]["FullLoadRows"] < 200000
    running = dms.describe_replication_tasks(Filters=task_filter)["ReplicationTasks"][0]
    assert running["Status"] == "running" and running["ReplicationTaskStats"]["TablesLoading"] == 1
    assert 0 <= running["ReplicationTaskStats"]["FullLoadProgressPercent"] < 100
    dms.stop_replication_task(ReplicationTaskArn=task["ReplicationTaskArn"])
    dms.get_waiter("replication_task_stopped").wait(Filters=task_filter, WaiterConfig=FAST)
    stopped = dms.describe_replication_tasks(Filters=task_filter)["ReplicationTasks"][0]
    assert stopped["StopReason"] == "Stop Reason NORMAL"
    assert stopped["ReplicationTaskStats"]["TablesLoaded"] == 0
    assert stopped["ReplicationTaskStats"]["FullLoadProgressPercent"] < 100
    table = dms.describe_table_statistics(ReplicationTaskArn=task["ReplicationTaskArn"])["TableStatistics"][0]
    assert table["TableState"] == "Table cancelled"

    # resume-processing loads what did not complete, and the full load then finishes
    dms.start_replication_task(
        ReplicationTaskArn=task["ReplicationTaskArn"], StartReplicationTaskType="resume-processing"
    )
    _wait_settled(dms, task["ReplicationTaskArn"])
    dms.get_waiter("replication_task_stopped").wait(Filters=task_filter, WaiterConfig=FAST)
    resumed = dms.describe_replication_tasks(Filters=task_filter)["ReplicationTasks"][0]
    assert resumed["StopReason"] == "Stop Reason FULL_LOAD_ONLY_FINISHED"
    assert resumed["ReplicationTaskStats"]["TablesLoaded"] == 1
    assert resumed["ReplicationTaskStats"]["FullLoadProgressPercent"] == 100
    table = dms.describe_table_statistics(ReplicationTaskArn=task["ReplicationTaskArn"])["TableStatistics"][0]
    assert (table["TableState"], table["FullLoadRows"]) == ("Table completed", 200000)


def test_replication_instance_lifecycle_and_errors(dms):
    arn = dms.create_replication_instance(
        ReplicationInstanceIdentifier="ri-lifecycle",
        ReplicationInstanceClass="dms.t3.micro",
        AllocatedStorage=20,
    )["ReplicationInstance"]["ReplicationInstanceArn"]
    by_arn = [{"Name": "replication-instance-arn", "Values": [arn]}]
    first = dms.describe_replication_instances(Filters=by_arn)["ReplicationInstances"][0]
    assert first["ReplicationInstanceStatus"] == "creating" and first["AllocatedStorage"] == 20
    with pytest.raises(ClientError) as err:
        dms.create_replication_instance(
            ReplicationInstanceIdentifier="ri-lifecycle", ReplicationInstanceClass="dms.t3.micro"
        )
    assert err.value.response["Error"]["Code"] == "ResourceAlreadyExistsFault"
    with pytest.raises(ClientError) as err:
        dms.create_replication_instance(
            ReplicationInstanceIdentifier="1-bad--name", ReplicationInstanceClass="x"
        )
    assert err.value.response["Error"]["Code"] == "InvalidParameterValueException"
    dms.get_waiter("replication_instance_available").wait(Filters=by_arn, WaiterConfig=FAST)
    assert (
        dms.delete_replication_instance(ReplicationInstanceArn=arn)["ReplicationInstance"][
            "ReplicationInstanceStatus"
        ]
        == "deleting"
    )
    dms.get_waiter("replication_instance_deleted").wait(Filters=by_arn, WaiterConfig=FAST)
    with pytest.raises(ClientError) as err:
        dms.delete_replication_instance(ReplicationInstanceArn=arn)
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundFault"


def test_injected_task_failure_and_state_survives_restart(tmp_path, sqlite_url):
    create_realistic(sqlite_url, customers=3)
    state = tmp_path / "state"
    with running_sandbox({"source_servers": [], "faults": {"fail_dms_tasks": ["doomed"]}}, state) as box:
        client = box.client("dms")
        inst = client.create_replication_instance(
            ReplicationInstanceIdentifier="ri-restart", ReplicationInstanceClass="dms.t3.micro"
        )["ReplicationInstance"]["ReplicationInstanceArn"]
        client.get_waiter("replication_instance_available").wait(
            Filters=[{"Name": "replication-instance-arn", "Values": [inst]}], WaiterConfig=FAST
        )
        src = _sqlite_endpoint(client, "s", "source", sqlite_url.database)["EndpointArn"]
        tgt = _sqlite_endpoint(
            client, "t", "target", str(tmp_path / "t.db"), Password="kept-but-never-shown"
        )["EndpointArn"]
        task = client.create_replication_task(
            ReplicationTaskIdentifier="doomed",
            SourceEndpointArn=src,
            TargetEndpointArn=tgt,
            ReplicationInstanceArn=inst,
            MigrationType="full-load",
            TableMappings=json.dumps(include_all()),
        )["ReplicationTask"]["ReplicationTaskArn"]
        by_task = [{"Name": "replication-task-arn", "Values": [task]}]
        client.get_waiter("replication_task_ready").wait(Filters=by_task, WaiterConfig=FAST)
        client.start_replication_task(ReplicationTaskArn=task, StartReplicationTaskType="start-replication")
        with pytest.raises(WaiterError):  # the stopped waiter fails on `failed`
            _wait_settled(client, task)
            client.get_waiter("replication_task_stopped").wait(Filters=by_task, WaiterConfig=FAST)
        failed = client.describe_replication_tasks(Filters=by_task)["ReplicationTasks"][0]
        assert failed["Status"] == "failed" and "Injected fault" in failed["LastFailureMessage"]
        assert failed["StopReason"] == "Stop Reason FATAL_ERROR"
    with running_sandbox({"source_servers": []}, state) as box:
        client = box.client("dms")
        assert [e["EndpointIdentifier"] for e in client.describe_endpoints()["Endpoints"]] == ["s", "t"]
        assert "kept-but-never-shown" not in json.dumps(client.describe_endpoints())
        again = client.describe_replication_tasks(Filters=by_task)["ReplicationTasks"][0]
        assert again["Status"] == "failed"
        client.start_replication_task(ReplicationTaskArn=task, StartReplicationTaskType="reload-target")
        _wait_settled(client, task)
        client.get_waiter("replication_task_stopped").wait(Filters=by_task, WaiterConfig=FAST)
        stats = client.describe_table_statistics(ReplicationTaskArn=task)["TableStatistics"]
        assert sorted(s["TableName"] for s in stats) == [
            "customers",
            "events",
            "order_lines",
            "orders",
            "tags",
        ]
