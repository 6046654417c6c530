"""Table mappings, task settings, LOB modes, prep modes, parallel load and progress, on real databases."""

from __future__ import annotations

import json

import pytest

from sandbox.dms.engine import (
    Database,
    FullLoadRun,
    InvalidTableMappings,
    InvalidTaskSettings,
    TableMappings,
    TaskInputs,
    TaskSettings,
)
from sandbox.testing import include_all

from .conftest import create_realistic, execute, fetch_table, inspector, run_task

pytestmark = pytest.mark.integration


def rule(rule_id, **fields):
    base = {"rule-id": str(rule_id), "rule-name": f"r{rule_id}"}
    return base | {k.replace("_", "-"): v for k, v in fields.items()}


def test_selection_filters_and_transformations(sqlite_url, postgres_url):
    create_realistic(sqlite_url, customers=60)
    mappings = {
        "rules": [
            rule(
                1,
                rule_type="selection",
                object_locator={"schema-name": "main", "table-name": "%"},
                rule_action="include",
            ),
            rule(
                2,
                rule_type="selection",
                object_locator={"schema-name": "main", "table-name": "ev%"},
                rule_action="exclude",
            ),
            rule(
                3,
                rule_type="selection",
                object_locator={"schema-name": "main", "table-name": "customers"},
                rule_action="include",
                filters=[
                    {
                        "filter-type": "source",
                        "column-name": "id",
                        "filter-conditions": [
                            {"filter-operator": "between", "start-value": "10", "end-value": "50"}
                        ],
                    }
                ],
            ),
            rule(
                4,
                rule_type="transformation",
                rule_target="schema",
                object_locator={"schema-name": "main"},
                rule_action="rename",
                value="public",
            ),
            rule(
                5,
                rule_type="transformation",
                rule_target="table",
                object_locator={"schema-name": "main", "table-name": "customers"},
                rule_action="rename",
                value="clients",
            ),
            rule(
                6,
                rule_type="transformation",
                rule_target="column",
                object_locator={"schema-name": "main", "table-name": "customers", "column-name": "avatar"},
                rule_action="remove-column",
            ),
            rule(
                7,
                rule_type="transformation",
                rule_target="column",
                object_locator={"schema-name": "main", "table-name": "tags", "column-name": "%"},
                rule_action="convert-uppercase",
            ),
            rule(
                8,
                rule_type="transformation",
                rule_target="column",
                object_locator={"schema-name": "main", "table-name": "tags"},
                rule_action="add-column",
                value="full_label",
                expression="$code || ':' || upper($label)",
                data_type={"type": "string", "length": 120},
            ),
            rule(
                9,
                rule_type="transformation",
                rule_target="column",
                object_locator={"schema-name": "main", "table-name": "order_lines", "column-name": "qty"},
                rule_action="change-data-type",
                data_type={"type": "string", "length": 10},
            ),
            rule(
                10,
                rule_type="transformation",
                rule_target="table",
                object_locator={"schema-name": "main", "table-name": "order%"},
                rule_action="add-prefix",
                value="shop_",
            ),
            rule(
                11,
                rule_type="transformation",
                rule_target="column",
                object_locator={"schema-name": "main", "table-name": "orders", "column-name": "status"},
                rule_action="replace-prefix",
                old_value="sta",
                value="STA",
            ),
        ]
    }
    run = run_task(sqlite_url, postgres_url, mappings, {"ValidationSettings": {"EnableValidation": True}})
    insp = inspector(postgres_url)
    assert sorted(insp.get_table_names(schema="public")) == [
        "clients",
        "shop_order_lines",
        "shop_orders",
        "tags",
    ]
    assert [c["name"] for c in insp.get_columns("clients", schema="public")] == [
        "id",
        "name",
        "email",
        "created_at",
        "balance",
        "active",
        "notes",
    ]
    assert insp.get_pk_constraint("clients", schema="public")["constrained_columns"] == ["id"]
    assert insp.get_pk_constraint("shop_order_lines", schema="public")["constrained_columns"] == [
        "customer_id",
        "order_no",
        "line",
    ]
    assert insp.get_indexes("shop_order_lines", schema="public") == []  # no secondary indexes, like DMS
    assert [c["name"] for c in insp.get_columns("tags", schema="public")] == ["CODE", "LABEL", "full_label"]
    assert "STAtus" in [c["name"] for c in insp.get_columns("shop_orders", schema="public")]
    qty = next(c for c in insp.get_columns("shop_order_lines", schema="public") if c["name"] == "qty")
    assert str(qty["type"]) == "VARCHAR(10)"

    clients = fetch_table(postgres_url, "clients", ["id"], schema="public")
    assert [r[0] for r in clients] == list(range(10, 51))
    tags = fetch_table(postgres_url, "tags", ["CODE"], schema="public")
    # DMS evaluates expressions with SQLite: upper() folds ASCII only
    assert ("alpha", "label alpha é", "alpha:LABEL ALPHA é") in tags
    lines = fetch_table(
        postgres_url, "shop_order_lines", ["customer_id", "order_no", "line"], schema="public"
    )
    assert all(isinstance(r[4], str) for r in lines)
    stats = {s["TableName"]: s for s in run.table_statistics()}
    assert stats["customers"]["FullLoadRows"] == 41
    assert stats["tags"]["ValidationState"] == "Validated"  # computed column left out of the comparison


def test_define_primary_key_and_explicit(sqlite_url, sqlite_url_2):
    create_realistic(sqlite_url, customers=10)
    mappings = {
        "rules": [
            rule(
                1,
                rule_type="selection",
                object_locator={"schema-name": "main", "table-name": "tags"},
                rule_action="explicit",
            ),
            rule(
                2,
                rule_type="transformation",
                rule_target="table",
                object_locator={"schema-name": "main", "table-name": "tags"},
                rule_action="define-primary-key",
                primary_key_def={"name": "tags_pk", "columns": ["label", "code"]},
            ),
        ]
    }
    run_task(sqlite_url, sqlite_url_2, mappings)
    insp = inspector(sqlite_url_2)
    assert insp.get_table_names() == ["tags"]
    assert insp.get_pk_constraint("tags")["constrained_columns"] == ["label", "code"]


@pytest.mark.parametrize("engine", ["sqlite", "postgres", "mariadb"])
def test_limited_lob_mode_truncates_and_counts(request, engine):
    source = request.getfixturevalue(f"{engine}_url")
    target = request.getfixturevalue(f"{engine}_url_2")
    rows = create_realistic(source, customers=40)
    run = run_task(
        source,
        target,
        include_all({"sqlite": "main", "postgres": "public"}.get(engine, "%"), "customers"),
        {"TargetMetadata": {"LobMaxSize": 1}},  # 1 KB
    )
    expected = sum(1 for r in rows["customers"] if r["notes"] and len(r["notes"]) > 1024) + sum(
        1 for r in rows["customers"] if r["avatar"] and len(r["avatar"]) > 1024
    )
    assert expected > 0
    assert next(iter(run.stats.values())).truncated_lobs == expected
    got = {
        r[0]: r
        for r in fetch_table(target, "customers", ["id"], schema="public" if engine == "postgres" else None)
    }
    for r in rows["customers"]:
        if r["notes"]:
            assert got[r["id"]][6] == r["notes"][:1024]
        if r["avatar"]:
            assert got[r["id"]][7] == r["avatar"][:1024]


def test_lobs_left_out_without_lob_support(sqlite_url, sqlite_url_2):
    create_realistic(sqlite_url, customers=5)
    run_task(
        sqlite_url, sqlite_url_2, include_all("main", "customers"), {"TargetMetadata": {"SupportLobs": False}}
    )
    cols = [c["name"] for c in inspector(sqlite_url_2).get_columns("customers")]
    assert "notes" not in cols and "avatar" not in cols and "name" in cols


def test_target_table_prep_modes(postgres_url, postgres_url_2):
    create_realistic(postgres_url, customers=30)
    tags = include_all("public", "tags")
    run_task(postgres_url, postgres_url_2, tags)
    execute(postgres_url_2, "ALTER TABLE public.tags ADD COLUMN extra int DEFAULT 7")

    again = run_task(
        postgres_url, postgres_url_2, tags, {"FullLoadSettings": {"TargetTablePrepMode": "DO_NOTHING"}}
    )
    stats = again.table_statistics()[0]
    assert stats["TableState"] == "Table error" and "duplicate key" in stats["ValidationStateDetails"]
    task = again.task_stats()
    assert task["TablesErrored"] == 1 and task["TablesLoaded"] == 0 and task["FullLoadProgressPercent"] < 100

    truncate = run_task(
        postgres_url,
        postgres_url_2,
        tags,
        {"FullLoadSettings": {"TargetTablePrepMode": "TRUNCATE_BEFORE_LOAD"}},
    )
    assert truncate.table_statistics()[0]["TableState"] == "Table completed"
    assert len(fetch_table(postgres_url_2, "tags", ["code"], schema="public")[0]) == 3  # extra column kept

    run_task(
        postgres_url, postgres_url_2, tags, {"FullLoadSettings": {"TargetTablePrepMode": "DROP_AND_CREATE"}}
    )
    assert len(fetch_table(postgres_url_2, "tags", ["code"], schema="public")[0]) == 2  # recreated


def test_parallel_load_ranges_and_subtasks(postgres_url, postgres_url_2):
    create_realistic(postgres_url, customers=90)
    mappings = include_all("public", "customers")
    mappings["rules"].append(
        rule(
            2,
            rule_type="table-settings",
            object_locator={"schema-name": "public", "table-name": "customers"},
            parallel_load={"type": "ranges", "columns": ["id"], "boundaries": [[30], [60]]},
        )
    )
    run = run_task(
        postgres_url,
        postgres_url_2,
        mappings,
        {"FullLoadSettings": {"MaxFullLoadSubTasks": 3}, "TargetMetadata": {"LobMaxSize": 64}},
    )
    assert run.table_statistics()[0]["FullLoadRows"] == 90
    assert fetch_table(postgres_url, "customers", ["id"]) == fetch_table(
        postgres_url_2, "customers", ["id"], schema="public"
    )


def test_progress_is_visible_while_loading(sqlite_url, postgres_url):
    create_realistic(sqlite_url, customers=120)
    run = FullLoadRun(
        TaskInputs(
            Database(sqlite_url, "source"),
            Database(postgres_url, "target"),
            json.dumps(include_all("main", "%")),
            TaskSettings.parse(
                json.dumps({"FullLoadSettings": {"CommitRate": 50, "MaxFullLoadSubTasks": 1}})
            ),
            "PROGRESS",
        )
    )
    run.prepare()
    assert run.task_stats()["TablesQueued"] == 5
    seen = []
    for loader in run.loaders:
        inner = loader.on_rows

        def watch(n, inner=inner):
            inner(n)
            seen.append(
                (run.task_stats(), {s["TableName"]: s["FullLoadRows"] for s in run.table_statistics()})
            )

        loader.on_rows = watch
    run.execute()
    run.source.dispose()
    run.target.dispose()
    percents = [task["FullLoadProgressPercent"] for task, _ in seen]
    assert percents == sorted(percents) and 0 < percents[0] < 100
    assert any(task["TablesLoading"] == 1 and task["TablesQueued"] > 0 for task, _ in seen)
    customers = [rows["customers"] for _, rows in seen if rows["customers"]]
    assert customers[:3] == [50, 100, 120]  # CommitRate batches, reported as they commit
    assert run.task_stats()["FullLoadProgressPercent"] == 100


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("not json", "not valid JSON"),
        ('{"rules": []}', "at least one selection rule"),
        (
            '{"rules": [{"rule-type": "selection", "rule-name": "a", "object-locator": {}}]}',
            "'rule-id' is required",
        ),
        (
            json.dumps(
                {
                    "rules": [
                        rule(
                            1,
                            rule_type="selection",
                            object_locator={"schema-name": "%", "table-name": "t%"},
                            rule_action="explicit",
                        )
                    ]
                }
            ),
            "explicit selection does not allow wildcards",
        ),
        (
            json.dumps(
                {
                    "rules": [
                        rule(
                            1,
                            rule_type="selection",
                            object_locator={"schema-name": "s", "table-name": "t"},
                            rule_action="include",
                            filters=[
                                {
                                    "filter-type": "source",
                                    "column-name": "c",
                                    "filter-conditions": [{"filter-operator": "like", "value": "x"}],
                                }
                            ],
                        )
                    ]
                }
            ),
            "unknown filter-operator 'like'",
        ),
        (
            json.dumps(
                {
                    "rules": [
                        include_all()["rules"][0],
                        rule(
                            2,
                            rule_type="transformation",
                            rule_target="table",
                            object_locator={"schema-name": "s", "table-name": "t"},
                            rule_action="remove-column",
                        ),
                    ]
                }
            ),
            "needs rule-target column",
        ),
        (
            json.dumps({"rules": [include_all()["rules"][0], include_all()["rules"][0]]}),
            "rule-id is not unique",
        ),
    ],
)
def test_bad_table_mappings(document, message):
    with pytest.raises(InvalidTableMappings, match=message):
        TableMappings.parse(document)


def test_task_settings_defaults_and_errors():
    defaults = TaskSettings.parse(None)
    assert (defaults.commit_rate, defaults.max_subtasks, defaults.prep_mode) == (10000, 8, "DROP_AND_CREATE")
    assert defaults.lob_max_bytes == 32 * 1024 and not defaults.validation_enabled
    merged = TaskSettings.parse('{"ValidationSettings": {"EnableValidation": true}}')
    assert merged.validation["ThreadCount"] == 5 and merged.validation_enabled
    with pytest.raises(InvalidTaskSettings, match=r"ValidationSettings\.ThreadCnt"):
        TaskSettings.parse('{"ValidationSettings": {"ThreadCnt": 3}}')
    with pytest.raises(InvalidTaskSettings, match="unknown setting: Bogus"):
        TaskSettings.parse('{"Bogus": {}}')
    with pytest.raises(InvalidTaskSettings, match="must be a number"):
        TaskSettings.parse('{"FullLoadSettings": {"CommitRate": "fast"}}')
    with pytest.raises(InvalidTaskSettings, match="TargetTablePrepMode"):
        TaskSettings.parse('{"FullLoadSettings": {"TargetTablePrepMode": "MERGE"}}')
    modified = merged.merged_with('{"FullLoadSettings": {"CommitRate": 500}}')
    assert modified.commit_rate == 500 and modified.validation_enabled
