"""`show` prints real YAML: it loads back (PyYAML, YAML 1.1) and validates to the same plan, keeps the
user's comments and order, marks defaults, and carries the DAGs and the cost as comments."""

import re
from pathlib import Path

import pytest
import yaml
from migration_plan.model import MigrationPlan
from migration_plan.show import render_show
from migration_plan.validate import validate_file
from migration_plan.yaml_out import needs_quotes

ROOT = Path(__file__).resolve().parents[3]
PLANS = sorted((ROOT / "include" / "plans").glob("*.yaml")) + sorted(
    (ROOT / "tests" / "plans" / "valid").glob("*.yaml")
)
TRAPS = ROOT / "tests" / "plans" / "valid" / "yaml11_traps.yaml"
EXAMPLE = ROOT / "include" / "plans" / "example.yaml"


def _shown(path: Path, *, with_dags: bool = False) -> str:
    result = validate_file(path)
    assert result.ok, [issue.render() for issue in result.issues]
    if not with_dags:
        return render_show(result)
    from migration_dags.build import build_plan_dags  # the layer above the plan, as __main__ hands it in

    return render_show(result, build_dags=build_plan_dags)


def _copy_beside_its_neighbours(path: Path, text: str, tmp_path: Path) -> Path:
    """Write `text` where the plan's relative paths (../mappings/x.json) still resolve."""
    folder = tmp_path / path.parent.relative_to(ROOT)
    folder.mkdir(parents=True)
    for sibling in path.parent.parent.iterdir():
        if sibling != path.parent and not (folder.parent / sibling.name).exists():
            (folder.parent / sibling.name).symlink_to(sibling)
    copy = folder / path.name
    copy.write_text(text, encoding="utf-8")
    return copy


@pytest.mark.parametrize("path", PLANS, ids=lambda p: str(p.relative_to(ROOT)))
def test_show_output_loads_back_to_the_same_plan(path, tmp_path):
    assert len(PLANS) >= 4  # include/plans and tests/plans/valid were both found
    text = _shown(path)
    original = validate_file(path).plan
    assert MigrationPlan.model_validate(yaml.safe_load(text)) == original
    again = validate_file(_copy_beside_its_neighbours(path, text, tmp_path))
    assert again.ok, [issue.render() for issue in again.issues]
    assert again.plan == original
    assert yaml.safe_load(render_show(again)) == yaml.safe_load(text)  # shown again: same data


def test_strings_yaml_1_1_would_misread_are_quoted():
    text = _shown(TRAPS)
    for quoted in ("'*/10 * * * *'", "'yes'", "'on'", "'0755'", "'012'", "'1e3'", "'null'", "'0o17'", "'='"):
        assert quoted in text, quoted
    assert "approvers: ['no', 'off', '1_000', '2026-12-01', '~', '0x1F']" in text
    assert "copy_tags: false" in text  # the boolean the validator read from `no`, not the string
    assert "EnableLogging: true" in text
    loaded = yaml.safe_load(text)
    assert loaded["plan"]["name"] == "0755" and loaded["plan"]["approvers"][3] == "2026-12-01"


def test_defaults_of_a_minimal_plan_are_spelled_out_and_quoted():
    text = _shown(ROOT / "tests" / "plans" / "valid" / "minimal.yaml")
    assert "monitor_schedule: '*/10 * * * *'  # default" in text
    assert "aws_conn_id: aws_default  # default" in text
    assert "databases: []  # default" in text
    assert "source_ip: null  # default" in text


def test_needs_quotes_follows_yaml_1_1():
    assert all(map(needs_quotes, ["yes", "No", "on", "OFF", "0755", "1_000", "2026-01-01", "~", "", "12:30"]))
    assert not any(map(needs_quotes, ["web-01", "0o17", "s-0123456789abcdef0", "10.20.1.11", "*/10 * * * *"]))


def test_user_comments_order_and_flow_style_are_kept():
    text = _shown(EXAMPLE)
    assert "# A complete migration plan: every field is documented in include/plans/README.md." in text
    assert "approvers: [alice, bob]           # Airflow user ids who may answer the approval gates" in text
    assert "monitor_schedule: '*/10 * * * *'  # the CDC monitor" in text
    plan_keys = [
        line.split(":")[0].strip() for line in text.split("\nwaves:")[0].splitlines() if line[:2] == "  "
    ]
    assert plan_keys[:4] == ["name", "description", "aws_conn_id", "region"]  # the user's order
    assert plan_keys[-1] == "poll_interval_seconds"  # the default, after the user's keys
    assert "copy_tags: true  # default" in text
    assert "ttl: 60\n" in text and "ttl: 60  # default" not in text  # given values are not marked
    assert "\n\nwaves:" in text  # the blank line between sections stays before the next section


def test_dags_and_cost_are_comments():
    text = _shown(EXAMPLE, with_dags=True)
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert any("acme-dc1__preflight" in line for line in comments)
    assert any(re.search(r"tasks: .*validate_plan", line) for line in comments)
    assert any("Estimated AWS cost" in line for line in comments)
    assert any(re.match(r"#\s+total\s+\d+\.\d\d", line) for line in comments)
    data_lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    assert not any("__preflight" in line or "Estimated" in line for line in data_lines)
