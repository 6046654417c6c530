"""The plugin operators in a real Airflow 3 run (task runner, XCom, deferral, inline triggers) on the sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("dag_run_script.py")


@pytest.mark.slow
def test_wave_dag_runs_to_cutover_in_airflow(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "_AIRFLOW"))}
    result = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=280, env=env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["state"] == "success", outcome
    assert set(outcome["tasks"].values()) == {"success"}, outcome
    assert outcome["jobs"] == ["START_CUTOVER", "START_TEST", "TERMINATE"]
