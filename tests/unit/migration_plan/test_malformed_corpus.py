"""Every malformed plan of the corpus gives exactly the errors recorded for it, located and worded."""

from pathlib import Path

import pytest
import yaml
from migration_plan.cli import main
from migration_plan.issues import format_path
from migration_plan.validate import validate_file

PLANS = Path(__file__).resolve().parents[2] / "plans"
EXPECTED = yaml.safe_load((PLANS / "malformed_expected.yaml").read_text())
CASES = sorted(p.name for p in (PLANS / "malformed").glob("*.yaml"))
SECRETS_IN_CORPUS = ["hunter2-SECRET", "AKIAIOSFODNN7EXAMPLE", "s3cret"]


def test_corpus_is_complete():
    assert len(CASES) >= 25
    assert sorted(EXPECTED) == CASES, "every corpus file needs its expected errors, and only those"


@pytest.mark.parametrize("name", CASES)
def test_malformed_plan_gives_its_errors(name):
    result = validate_file(PLANS / "malformed" / name)
    got = [
        {
            "at": f"{i.position.line}:{i.position.column}",
            "code": i.code,
            "path": format_path(i.path),
            "message": i.message,
        }
        for i in result.errors
    ]
    assert got == EXPECTED[name]
    assert result.plan is None and not result.ok


@pytest.mark.parametrize("name", CASES)
def test_cli_exits_2_names_file_and_hides_secrets(name, capsys):
    path = PLANS / "malformed" / name
    assert main(["validate", str(path)]) == 2
    out, err = capsys.readouterr()
    first = EXPECTED[name][0]
    assert f"{path}:{first['at']}: error [{first['code']}]" in out
    assert "Traceback" not in out + err
    for secret in SECRETS_IN_CORPUS:
        assert secret not in out + err


def test_every_error_has_a_fix_or_an_explicit_expectation():
    """An error must say what to do: a fix line, or an 'expected ...' / 'give ...' in the message."""
    for name in CASES:
        for issue in validate_file(PLANS / "malformed" / name).errors:
            assert issue.fix or any(word in issue.message for word in ("expected", "give", "must")), (
                name,
                issue.message,
            )
