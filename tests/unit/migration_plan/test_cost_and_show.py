"""Cost estimate arithmetic against the price table, and `show` output."""

from pathlib import Path

from migration_plan.cli import main
from migration_plan.cost import estimate, load_prices
from migration_plan.validate import validate_file

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "include" / "plans" / "example.yaml"


def test_price_table_is_dated_and_has_the_guides_prices():
    prices = load_prices()
    assert prices["as_of"] and prices["region"] == "us-east-1"
    assert prices["dms"]["instance_per_hour"]["dms.c5.large"] == 0.192
    assert prices["mgn"]["per_server_hour"] == 0.0237


def test_estimate_of_the_example_plan():
    plan = validate_file(EXAMPLE).plan
    cost = {line.item: line.usd for line in estimate(plan).lines}
    assert cost["MGN wave web"] == 0  # 14 days is inside the 90 free days
    assert round(cost["DMS orders instance"], 2) == round(0.192 * 30 * 24, 2)
    assert round(cost["DMS orders storage"], 2) == round(250 * 0.115 * 720 / 730, 2)


def test_mgn_charges_after_the_free_period_and_unknown_classes_are_not_guessed(tmp_path):
    text = EXAMPLE.read_text().replace(
        "max_replication_lag_seconds: 30",
        "max_replication_lag_seconds: 30\n    expected_replication_days: 100",
    )
    text = text.replace("dms.c5.large", "dms.r6i.large").replace(
        "../mappings/orders.json", str(ROOT / "include/mappings/orders.json")
    )
    path = tmp_path / "p.yaml"
    path.write_text(text)
    result = estimate(validate_file(path).plan)
    lines = {line.item: line for line in result.lines}
    assert round(lines["MGN wave web"].usd, 4) == round((100 * 24 - 2160) * 0.0237 * 2, 4)
    assert lines["DMS orders instance"].usd is None and "no price" in lines["DMS orders instance"].detail
    assert result.unpriced


def test_show_prints_defaults_dags_and_cost(capsys):
    from migration_dags.build import build_plan_dags

    assert main(["show", str(EXAMPLE)], build_dags=build_plan_dags) == 0
    out = capsys.readouterr().out
    assert "copy_tags: true  # default" in out
    assert "acme-dc1__preflight" in out and "validate_plan" in out
    assert "Estimated AWS cost" in out and "total" in out
