"""Plan fields of a database cutover: the address switch, read-only per engine, SQL checks."""

from __future__ import annotations

from pathlib import Path

from migration_plan.validate import validate_file
from ruamel.yaml import YAML

EXAMPLE = Path(__file__).resolve().parents[3] / "include" / "plans" / "example.yaml"


def _variant(tmp_path: Path, change) -> list[str]:
    yaml = YAML()
    data = yaml.load(EXAMPLE.read_text())
    change(data["databases"][0])
    (tmp_path / "mappings").mkdir(exist_ok=True)
    (tmp_path / "mappings" / "orders.json").write_text(
        (EXAMPLE.parent.parent / "mappings" / "orders.json").read_text()
    )
    plan = tmp_path / "plans" / "p.yaml"
    plan.parent.mkdir(exist_ok=True)
    with plan.open("w") as fh:
        yaml.dump(data, fh)
    return [i.render() for i in validate_file(str(plan)).errors]


def test_example_switches_a_route53_record_and_names_the_users_to_make_read_only():
    db = validate_file(str(EXAMPLE)).plan.databases[0]
    assert db.cutover.address_switch.route53.type == "CNAME" and db.cutover.read_only_users == ["shop_app"]
    assert db.validation.great_expectations.sql_checks[0].name == "no negative totals"


def test_mysql_read_only_without_users_is_an_error_naming_the_fix(tmp_path):
    errors = _variant(tmp_path, lambda db: db["cutover"].pop("read_only_users"))
    assert len(errors) == 1 and "needs cutover.read_only_users" in errors[0] and "p.yaml:" in errors[0]


def test_address_switch_takes_exactly_one_place(tmp_path):
    def two(db):
        db["cutover"]["address_switch"]["ssm_parameter"] = "/shop/db/host"

    errors = _variant(tmp_path, two)
    assert any("exactly one of route53, secret_arn or ssm_parameter" in e for e in errors)


def test_sql_check_must_select_from_the_batch(tmp_path):
    def bad(db):
        db["validation"]["great_expectations"]["sql_checks"][0]["query"] = "DELETE FROM orders"

    errors = _variant(tmp_path, bad)
    assert any("sql_checks[0].query" in e for e in errors)
