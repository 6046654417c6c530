"""Lint rules fire on the pitfalls they name, stay quiet on the example plan, and never print secrets."""

from pathlib import Path

import pytest
import yaml
from migration_plan.cli import main
from migration_plan.lint import RULES, RULES_BY_ID, lint_file

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "include" / "plans" / "example.yaml"


def _plan(tmp_path, mutate) -> Path:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["databases"][0]["table_mappings"] = {"file": str(ROOT / "include" / "mappings" / "orders.json")}
    mutate(data)
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _codes(path) -> list[str]:
    return [issue.code for issue in lint_file(path)]


def test_example_plan_is_clean(capsys):
    assert lint_file(EXAMPLE) == []
    assert main(["lint", "--strict", str(EXAMPLE)]) == 0


def test_rules_have_unique_ids_severity_and_fix():
    assert len(RULES_BY_ID) == len(RULES) >= 15
    assert all(rule.fix and rule.severity in {"error", "warning", "info"} for rule in RULES)


def db(data):
    return data["databases"][0]


CASES = {
    "MIG001": lambda d: db(d)["validation"].update(dms_validation=False),
    "MIG002": lambda d: db(d)["task_settings"].pop("TargetMetadata"),
    "MIG003": lambda d: db(d)["task_settings"].update(
        TargetMetadata={"SupportLobs": True, "FullLobMode": True, "LobChunkSize": 128}
    ),
    "MIG004": lambda d: db(d)["target"].update(holds_data=True),
    "MIG006": lambda d: d["waves"][0].update(finalize=False),
    "MIG007": lambda d: db(d)["cleanup"].update(delete_replication_instance=False),
    "MIG008": lambda d: db(d)["replication_instance"].update(allocated_storage_gb=100),
    "MIG009": lambda d: d["waves"][0].update(
        servers=[
            {"hostname": f"h{i}", "source_server_id": f"s-{i:017d}", "source_ip": "10.0.0.1"}
            for i in range(201)
        ]
    ),
    "MIG010": lambda d: d["waves"].append({"name": "again", "servers": [d["waves"][0]["servers"][0]]}),
    "MIG011": lambda d: d["plan"].update(approvers=[]),
    "MIG012": lambda d: db(d)["cutover"].update(max_cdc_lag_seconds=100),
    "MIG013": lambda d: (
        db(d).update(migration_type="full-load") or db(d)["cutover"].update(source_read_only=False)
    ),
    "MIG014": lambda d: d["waves"][0]["servers"][0]["dns"].update(ttl=3600),
    "MIG015": lambda d: d["waves"][0].pop("health_checks"),
    "MIG016": lambda d: d["waves"][0]["servers"][1].update(os="windows"),
    "MIG017": lambda d: db(d)["replication_instance"].update(multi_az=True),
    "MIG018": lambda d: d["waves"][0]["servers"][0].pop("source_ip"),
    # web waits for the orders cutover (day 30), then takes 70 days: it ends on day 100
    "MIG019": lambda d: d.update(campaign={"wave_days": 70}),
}


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires_on_its_pitfall(tmp_path, rule_id):
    path = _plan(tmp_path, CASES[rule_id])
    findings = [issue for issue in lint_file(path) if issue.code == rule_id]
    assert findings, f"{rule_id} did not fire"
    rule = RULES_BY_ID[rule_id]
    assert all(f.severity == rule.severity and f.fix == rule.fix and f.position.line > 1 for f in findings)


def test_every_rule_with_a_check_has_a_case():
    assert {r.id for r in RULES if r.check is not None} == set(CASES)


def test_strict_fails_on_warnings_only(tmp_path):
    warning_only = _plan(tmp_path, CASES["MIG014"])
    assert main(["lint", str(warning_only)]) == 0
    assert main(["lint", "--strict", str(warning_only)]) == 1


def test_plaintext_password_exits_nonzero_names_path_hides_value(tmp_path, capsys):
    def add_password(d):
        db(d)["source"]["password"] = "Sup3r-Secret-Value!"

    path = _plan(tmp_path, add_password)
    assert main(["lint", str(path)]) == 2
    out, err = capsys.readouterr()
    assert "databases[0].source.password" in out
    assert "MIG005" in out
    assert "Sup3r-Secret-Value!" not in out + err


def test_lint_of_an_invalid_plan_reports_validation_errors(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("plan: {name: x}\n")
    assert "plan.missing" in _codes(path)
