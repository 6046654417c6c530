"""MGN's import CSV and CMF's intake CSV round-trip: CSV -> drafted plan -> the same servers and waves.

The expected servers and waves are read from the sample with the csv module, independently of the
importer; the draft must validate and lint without errors.
"""

import csv
from pathlib import Path

import yaml
from migration_plan.lint import lint_file
from migration_plan.validate import validate_file
from plan_import.cli import main
from plan_import.draft import plan_name

ROOT = Path(__file__).resolve().parents[3]
SAMPLES = ROOT / "tests" / "plans" / "import"


def _rows(name: str) -> list[dict[str, str]]:
    with (SAMPLES / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _draft(name: str, tmp_path: Path, capsys, *extra: str):
    out = tmp_path / "plan.yaml"
    assert main(["csv", str(SAMPLES / name), "--out", str(out), *extra]) == 0, capsys.readouterr().err
    result = validate_file(out)
    assert result.ok, [issue.render() for issue in result.issues]
    assert not [issue.render() for issue in lint_file(out) if issue.severity == "error"]
    return result.plan, out.read_text(), capsys.readouterr().err


def _waves(plan) -> dict[str, list[tuple]]:
    return {wave.name: [(s.hostname, s.os) for s in wave.servers] for wave in plan.waves}


def test_mgn_import_csv_round_trips(tmp_path, capsys):
    rows = _rows("mgn-import.csv")
    plan, text, err = _draft("mgn-import.csv", tmp_path, capsys)
    expected: dict[str, list[tuple]] = {}
    for row in rows:
        wave = plan_name(row["mgn:wave:name"]) if row["mgn:wave:name"] else "unassigned"
        host = row["mgn:server:fqdn-for-action-framework"].split(".")[0]
        expected.setdefault(wave, []).append((host, row["mgn:server:platform"].lower()))
    assert _waves(plan) == expected
    assert plan.plan.region == rows[0]["mgn:region"]
    ids = {s.hostname: s.source_server_id for w in plan.waves for s in w.servers}
    for row in rows:  # an exported id is kept; a server not yet in MGN gets a marked placeholder
        host = row["mgn:server:fqdn-for-action-framework"].split(".")[0]
        assert ids[host] == row["mgn:server:id"] or (
            not row["mgn:server:id"] and ids[host].startswith("s-TODO")
        )
    byol = {s.hostname: s.launch.byol for w in plan.waves for s in w.servers}
    assert byol["ledger-01"] is True and byol["web-01"] is False
    assert "# GUESSED: a placeholder: the server is not in MGN yet" in text
    assert "name: unassigned  # GUESSED" in text and "name: Wave-1  # GUESSED: from 'Wave 1'" in text
    assert "not mapped: column mgn:launch:instance-type" in err


def test_cmf_intake_csv_round_trips(tmp_path, capsys):
    rows = _rows("cmf-intake.csv")
    plan, text, err = _draft("cmf-intake.csv", tmp_path, capsys, "--name", "crm-and-hr")
    expected: dict[str, list[tuple]] = {}
    for row in rows:
        if row["r_type"] == "Rehost":
            expected.setdefault(row["wave_name"], []).append((row["server_name"], row["server_os_family"]))
    assert _waves(plan) == expected
    assert plan.plan.name == "crm-and-hr" and plan.plan.region == "us-west-2"
    assert "CMF: server_fqdn crm-web01.corp.example.com" in text
    assert "not mapped: server hr-legacy01: r_type Retire" in err
    assert yaml.safe_load(text)["plan"]["approvers"] == ["replace-with-approver-id"]


def test_a_csv_of_neither_format_is_refused_naming_its_columns(tmp_path, capsys):
    bad = tmp_path / "inventory.csv"
    bad.write_text("host,ip\nweb-01,10.0.0.1\n")
    assert main(["csv", str(bad), "--out", str(tmp_path / "p.yaml")]) == 2
    err = capsys.readouterr().err
    assert "not an MGN import CSV" in err and "its columns are: host, ip" in err
    assert not (tmp_path / "p.yaml").exists()


def test_names_that_break_the_rules_are_made_to_fit_and_quoted(tmp_path, capsys):
    sample = tmp_path / "odd.csv"
    sample.write_text(
        "wave_name,app_name,aws_region,server_name,server_os_family,r_type\n"
        "0755,app,eu-central-1,db_01,linux,Rehost\n"
        "Wave 9 / final,app,eu-central-1,web 02,windows,Rehost\n"
    )
    out = tmp_path / "p.yaml"
    assert main(["csv", str(sample), "--out", str(out)]) == 0, capsys.readouterr().err
    text = out.read_text()
    assert "name: '0755'" in text  # a YAML 1.1 reader would take 0755 for a number
    plan = validate_file(out).plan
    assert [w.name for w in plan.waves] == ["0755", "Wave-9-final"]
    assert [s.hostname for w in plan.waves for s in w.servers] == ["db-01", "web-02"]
    assert "from 'db_01', made to fit the hostname rule" in text
