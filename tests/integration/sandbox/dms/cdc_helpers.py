"""Helpers of the CDC tests: engine pairs, a CdcRun on test URLs, waiting for the target to converge."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import replace
from typing import Any

from sqlalchemy.engine import URL

from sandbox.dms.engine import Database, FullLoadRun, TaskInputs, TaskSettings
from sandbox.dms.engine.cdc import CdcOptions, CdcRun, Faults
from sandbox.testing import include_all

from .cdc_workload import TABLES
from .conftest import fetch_loose, to_public

PAIRS = [("postgres", "mariadb"), ("mariadb", "postgres"), ("sqlite", "sqlite")]


def mappings_for(source_kind: str, target_kind: str) -> dict[str, Any]:
    mappings = include_all()
    if source_kind == "mariadb" and target_kind == "postgres":
        mappings["rules"].append(to_public())
    return mappings


def task_name() -> str:
    return "T" + uuid.uuid4().hex[:10].upper()


def make_cdc(
    source: URL,
    target: URL,
    spool: str,
    mappings: dict,
    *,
    task: str | None = None,
    options: CdcOptions | None = None,
    faults: Faults | None = None,
) -> CdcRun:
    run = CdcRun(
        TaskInputs(
            Database(source, "source", "src"),
            Database(target, "target", "tgt"),
            json.dumps(mappings),
            TaskSettings.parse("{}"),
            task or task_name(),
        ),
        spool,
        options or CdcOptions(),
        faults,
    )
    run.prepare()
    return run


def full_load(run: CdcRun, mappings: dict) -> FullLoadRun:
    """The full load of a full-load-and-cdc task, inside the CDC handoff."""
    with run.handoff() as source:
        load = FullLoadRun(replace(run.inputs, source=source, table_mappings=json.dumps(mappings)))
        load.prepare()
        load.execute()
    assert not load.errors, load.errors
    return load


def tables_of(url: URL, tables: dict[str, list[str]] = TABLES) -> dict[str, list[tuple]]:
    return {name: fetch_loose(url, name, key) for name, key in tables.items()}


def wait_converged(source: URL, target: URL, timeout: float = 30.0, run: CdcRun | None = None) -> None:
    """Until every table of the workload is equal row by row on both sides (AssertionError with the diff)."""
    deadline = time.monotonic() + timeout
    while True:
        expected, actual = tables_of(source), tables_of(target)
        if expected == actual:
            return
        if run is not None and run.error:
            raise AssertionError(f"CDC failed: {run.error}")
        if time.monotonic() > deadline:
            diff = {
                t: (len(expected[t]), len(actual[t]), [r for r in expected[t] if r not in actual[t]][:3])
                for t in expected
                if expected[t] != actual[t]
            }
            raise AssertionError(f"target did not converge: {diff}")
        time.sleep(0.3)
