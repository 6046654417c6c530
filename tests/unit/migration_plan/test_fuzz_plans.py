"""Hypothesis: generated plans, valid and mutated, and arbitrary text never make validate or lint raise."""

import copy
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from migration_plan.cli import main
from migration_plan.lint import lint_file
from migration_plan.validate import validate_file

names = st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True)
server_ids = st.from_regex(r"s-[0-9a-zA-Z]{17}", fullmatch=True)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.floats(allow_nan=True), st.text(max_size=30)
)
anything = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)

servers = st.fixed_dictionaries(
    {"hostname": names, "source_server_id": server_ids},
    optional={
        "source_ip": st.just("10.0.0.5"),
        "launch": st.fixed_dictionaries(
            {}, optional={"right_sizing": st.sampled_from(["NONE", "BASIC"]), "byol": st.booleans()}
        ),
        "dns": st.fixed_dictionaries(
            {"zone_id": st.just("Z123ABC"), "name": st.just("a.example.com")},
            optional={"ttl": st.integers(0, 9000)},
        ),
    },
)
endpoint = st.fixed_dictionaries(
    {
        "engine": st.sampled_from(["mysql", "postgres"]),
        "host": st.just("db.example.com"),
        "database": names,
        "conn_id": names,
    }
)
databases = st.fixed_dictionaries(
    {
        "name": names,
        "migration_type": st.sampled_from(["full-load", "full-load-and-cdc", "cdc"]),
        "source": endpoint,
        "target": endpoint,
        "table_mappings": st.just(
            {
                "rules": [
                    {
                        "rule-type": "selection",
                        "rule-id": "1",
                        "rule-name": "a",
                        "object-locator": {"schema-name": "s", "table-name": "%"},
                        "rule-action": "include",
                    }
                ]
            }
        ),
    },
    optional={
        "size_gb": st.floats(1, 5000),
        "task_settings": st.just({"FullLoadSettings": {"TargetTablePrepMode": "DO_NOTHING"}}),
    },
)
plans = st.fixed_dictionaries(
    {
        "plan": st.fixed_dictionaries(
            {"name": names, "region": st.sampled_from(["us-east-1", "eu-west-3"])},
            optional={"approvers": st.lists(names, max_size=2)},
        ),
        "waves": st.lists(
            st.fixed_dictionaries({"name": names, "servers": st.lists(servers, min_size=1, max_size=4)}),
            max_size=3,
        ),
        "databases": st.lists(databases, max_size=2),
    }
)


def _paths(data, prefix=()):
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _paths(value, (*prefix, index))


def _mutate(data, path, action, value):
    if not path:
        return value if action == "replace" else data
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "delete":
        del parent[last]
    elif action == "replace":
        parent[last] = value
    elif action == "add_key" and isinstance(parent[last], dict):
        parent[last]["unexpected_" + str(abs(hash(str(value))) % 1000)] = value
    return data


def _check(path: Path):
    result = validate_file(path)  # must not raise
    assert result.ok == (result.plan is not None)
    assert all(issue.position is not None and issue.position.line >= 1 for issue in result.issues)
    findings = lint_file(path)  # must not raise
    assert all(issue.file == str(path) for issue in findings)


FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(plan=plans)
def test_generated_plans_validate_without_traceback(tmp_path_factory, plan):
    path = tmp_path_factory.mktemp("p") / "plan.yaml"
    path.write_text(yaml.safe_dump(plan))
    _check(path)


@FUZZ
@given(plan=plans, data=st.data(), action=st.sampled_from(["delete", "replace", "add_key"]), value=anything)
def test_mutated_plans_never_raise(tmp_path_factory, plan, data, action, value):
    plan = copy.deepcopy(plan)  # st.just() hands out one shared object: never mutate it
    paths = list(_paths(plan))
    target = data.draw(st.sampled_from(paths))
    mutated = _mutate(plan, target, action, value)
    path = tmp_path_factory.mktemp("m") / "plan.yaml"
    path.write_text(yaml.safe_dump(mutated, allow_unicode=True))
    _check(path)


@FUZZ
@given(
    text=st.text(alphabet=st.characters(codec="utf-8"), max_size=300)
    | st.sampled_from(
        [
            "plan: &a [*a]",
            "a: !!python/object:os.system x",
            "{" * 200,
            "- " * 300,
            "? [a]\n: b",
            "plan:\n\t- x",
        ]
    )
)
def test_arbitrary_text_never_raises(tmp_path_factory, text, capsys):
    path = tmp_path_factory.mktemp("t") / "plan.yaml"
    path.write_text(text)
    _check(path)
    assert main(["validate", str(path)]) in (0, 2)
    assert main(["lint", str(path)]) in (0, 1, 2)
    assert "internal error" not in capsys.readouterr().err
