"""The CLI as a user's shell sees it: the summary on a line of its own when stdout and stderr share a pipe,
and a reader that leaves early (`| head`) ends the command quietly."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
MALFORMED = sorted((ROOT / "tests" / "plans" / "malformed").glob("*.yaml"))
SUMMARY = re.compile(r"^(\S+\.yaml): \d+ error\(s\), \d+ warning\(s\), \d+ note\(s\)$")


def _env() -> dict:
    env = dict(os.environ)
    env.pop("PYTHONUNBUFFERED", None)  # a piped stdout is block-buffered, as on a user's machine
    return env


def _cli(*args: str, **kwargs) -> subprocess.Popen:
    command = [sys.executable, "-m", "migration_plan", *args]
    return subprocess.Popen(command, cwd=ROOT, env=_env(), **kwargs)


@pytest.mark.parametrize("command", ["validate", "lint"])
def test_summary_is_on_its_own_line_after_its_files_findings(command):
    proc = _cli(command, *map(str, MALFORMED), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 2
    lines = out.splitlines()
    summaries = [index for index, line in enumerate(lines) if "error(s)" in line]
    assert len(summaries) == len(MALFORMED)
    previous = -1
    for index in summaries:
        match = SUMMARY.match(lines[index])
        assert match, f"summary glued to other output: {lines[index]!r}"
        findings = lines[previous + 1 : index]
        assert findings, f"no findings before the summary of {match.group(1)}"
        assert all(line.startswith((match.group(1) + ":", "    ")) for line in findings), findings
        previous = index


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["show", "include/plans/example.yaml"], 0),
        (["rules"], 0),
        (["validate", *map(str, MALFORMED)], 2),
        (["lint", "tests/plans/malformed/15_literal_password.yaml"], 2),
    ],
)
def test_a_closed_pipe_exits_quietly(args, code):
    proc = _cli(*args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before the first line is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == code
    assert "Traceback" not in err and "BrokenPipe" not in err and "internal error" not in err, err


def test_show_output_piped_into_a_yaml_reader_loads():
    shown = _cli("show", "include/plans/example.yaml", stdout=subprocess.PIPE)
    reader = subprocess.run(
        [sys.executable, "-c", "import sys, yaml; print(sorted(yaml.safe_load(sys.stdin)))"],
        stdin=shown.stdout,
        capture_output=True,
        text=True,
        timeout=120,
    )
    shown.stdout.close()
    assert shown.wait(timeout=120) == 0
    assert reader.stdout.strip() == "['campaign', 'databases', 'plan', 'waves']", reader.stderr
