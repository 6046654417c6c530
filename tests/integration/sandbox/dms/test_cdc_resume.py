"""The CDC engine in its own process, killed with SIGKILL in the middle of a write load and started again:
the target ends equal to the source (nothing lost, nothing applied twice)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from .cdc_helpers import mappings_for, task_name, wait_converged
from .cdc_workload import Workload

pytestmark = pytest.mark.integration

ROOT = str(Path(__file__).resolve().parents[4])  # the repository (tests/integration/sandbox/dms/..)


def _start(source, target, task, spool, mappings) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox.dms.engine.cdc", "--source", source.render_as_string(False),
         "--target", target.render_as_string(False), "--task", task, "--spool", spool,
         "--mappings", json.dumps(mappings), "--report", "0.5"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    line = proc.stdout.readline()
    assert line.startswith('{"started"'), line + proc.stderr.read()
    return proc


@pytest.mark.parametrize(("source_kind", "target_kind"), [("postgres", "mariadb"), ("mariadb", "postgres")])
def test_sigkill_in_the_middle_of_a_load_then_resume(request, tmp_path, source_kind, target_kind):
    source = request.getfixturevalue(f"{source_kind}_url")
    target = request.getfixturevalue(f"{target_kind}_url")
    workload = Workload(source)
    workload.create(rows=0)
    mappings = mappings_for(source_kind, target_kind)
    task, spool = task_name(), str(tmp_path / "spool.db")
    proc = _start(source, target, task, spool, mappings)
    writer = threading.Thread(target=workload.run, args=(2.5, 300))
    try:
        writer.start()
        time.sleep(1.2)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        assert proc.returncode == -signal.SIGKILL
        time.sleep(0.3)
        proc = _start(
            source, target, task, spool, mappings
        )  # resume-processing: from the spool and checkpoint
        writer.join()
        assert workload.error is None, workload.error
        assert workload.changes > 100
        wait_converged(source, target, timeout=40)
    finally:
        writer.join()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        workload.dispose()
        from sandbox.dms.engine import Database
        from sandbox.dms.engine.cdc.runner import CdcOptions, make_capture

        make_capture(
            Database(source, "source"), task, CdcOptions()
        ).drop()  # the task is deleted: no slot left
    assert '"error": ""' in out.strip().splitlines()[-1], err
