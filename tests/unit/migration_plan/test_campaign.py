"""The campaign section: wave order, the schedule the campaign DAG follows in days, and the free-period
lint (MIG019) read from it."""

from __future__ import annotations

import pytest
import yaml
from migration_plan.campaign import ordered_waves, past_free_period, schedule
from migration_plan.cost import load_prices
from migration_plan.lint import lint_file
from migration_plan.model import MigrationPlan
from shared.free_tier import MGN_FREE_DAYS


def _plan(waves: int = 3, campaign: dict | None = None, depends: dict | None = None, db_days: int = 10):
    data = {
        "plan": {"name": "p", "region": "us-east-1", "approvers": ["alice"]},
        "waves": [
            {
                "name": f"w{i}",
                "depends_on_databases": (depends or {}).get(f"w{i}", []),
                "servers": [
                    {"hostname": f"h{i}-{j}", "source_server_id": f"s-{i:08d}{j:09d}"} for j in range(i)
                ],
            }
            for i in range(1, waves + 1)
        ],
        "databases": [],
        "campaign": campaign or {},
    }
    if depends:
        data["databases"] = [
            {
                "name": "orders",
                "migration_type": "full-load",
                "source": {"engine": "sqlite", "database": "a.db"},
                "target": {"engine": "sqlite", "database": "b.db"},
                "table_mappings": {"rules": []},
                "expected_duration_days": db_days,
            }
        ]
    return MigrationPlan.model_validate(data)


def _days(plan) -> list[tuple[str, float, float]]:
    return [(s.wave, s.start_day, s.end_day) for s in schedule(plan)]


def test_waves_run_in_file_order_by_default_or_in_the_stated_order():
    assert [w.name for w in ordered_waves(_plan())] == ["w1", "w2", "w3"]
    stated = _plan(campaign={"order": ["w3", "w1", "w2"]})
    assert [w.name for w in ordered_waves(stated)] == ["w3", "w1", "w2"]
    assert [s.wave for s in schedule(stated)] == ["w3", "w1", "w2"]


def test_one_wave_at_a_time_by_default():
    assert _days(_plan(campaign={"wave_days": 5})) == [("w1", 0, 5), ("w2", 5, 10), ("w3", 10, 15)]


def test_at_most_n_waves_in_flight():
    plan = _plan(waves=5, campaign={"max_waves_in_flight": 2, "wave_days": 4})
    assert _days(plan) == [("w1", 0, 4), ("w2", 0, 4), ("w3", 4, 8), ("w4", 4, 8), ("w5", 8, 12)]
    for slot in schedule(plan):
        running = [s for s in schedule(plan) if s.start_day <= slot.start_day < s.end_day]
        assert len(running) <= 2


def test_a_wave_starts_after_its_databases_and_later_waves_keep_the_order():
    plan = _plan(depends={"w2": ["orders"]}, db_days=20, campaign={"max_waves_in_flight": 3, "wave_days": 7})
    # w2 waits for the orders cutover on day 20; w3 may not start before w2 (start order kept)
    assert _days(plan) == [("w1", 0, 7), ("w2", 20, 27), ("w3", 20, 27)]


def test_waves_past_the_free_period_are_named():
    plan = _plan(waves=4, campaign={"wave_days": 30})  # ends on days 30, 60, 90, 120
    late = [(index, slot.wave, slot.end_day) for index, slot in past_free_period(plan)]
    assert late == [(3, "w4", 120)]


def test_the_free_period_matches_the_price_table():
    assert load_prices()["mgn"]["free_hours_per_server"] == MGN_FREE_DAYS * 24


@pytest.mark.parametrize(("wave_days", "fires"), [(30, False), (31, True)])
def test_lint_warns_when_the_schedule_leaves_the_free_period(tmp_path, wave_days, fires):
    data = {
        "plan": {"name": "p", "region": "us-east-1", "approvers": ["alice"]},
        "waves": [
            {"name": f"w{i}", "servers": [{"hostname": f"h{i}", "source_server_id": f"s-{i:017d}"}]}
            for i in range(1, 4)
        ],
        "campaign": {"wave_days": wave_days},
    }
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    findings = [i for i in lint_file(path) if i.code == "MIG019"]
    assert bool(findings) is fires
    if fires:
        (finding,) = findings
        assert finding.severity == "warning"
        assert "wave 'w3' would finish on day 93" in finding.message
        assert "3 day(s) past the free period" in finding.message
        assert finding.position.line == data_line(path, "- name: w3")


def data_line(path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)
