"""Run one CDC task in its own process until SIGTERM/SIGINT (tests kill it with SIGKILL and restart it).

    python -m sandbox.dms.engine.cdc --source URL --target URL --task NAME --spool PATH \
        [--mappings JSON] [--settings JSON] [--stop-position server_time:...] [--apply-delay SECONDS]
        [--hold-apply N]

Prints one JSON line of metrics per --report seconds on stdout (the benchmark reads them).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from sqlalchemy.engine import make_url

from ..connect import Database
from ..inputs import TaskInputs
from ..settings import TaskSettings
from .runner import CdcOptions, CdcRun, Faults

ALL = '{"rules": [{"rule-type": "selection", "rule-id": "1", "rule-name": "all", "object-locator": {"schema-name": "%", "table-name": "%"}, "rule-action": "include"}]}'


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m sandbox.dms.engine.cdc")
    p.add_argument("--source", required=True)
    p.add_argument("--target", required=True)
    p.add_argument("--task", required=True)
    p.add_argument("--spool", required=True)
    p.add_argument("--mappings", default=ALL)
    p.add_argument("--settings", default="{}")
    p.add_argument("--stop-position")
    p.add_argument("--apply-delay", type=float, default=0.0)
    p.add_argument(
        "--hold-apply", type=int, default=0, help="apply waits until this many changes are spooled"
    )
    p.add_argument("--report", type=float, default=1.0)
    args = p.parse_args(argv)
    run = CdcRun(
        TaskInputs(
            Database(make_url(args.source), "source", "source"),
            Database(make_url(args.target), "target", "target"),
            args.mappings,
            TaskSettings.parse(args.settings),
            args.task,
        ),
        args.spool,
        CdcOptions(stop_position=args.stop_position),
        Faults(apply_delay_seconds=3600.0 if args.hold_apply else args.apply_delay),
    )
    run.prepare()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    run.start()
    print(json.dumps({"started": run.checkpoint}), flush=True)
    while not done.wait(args.report) and not run.finished.is_set():
        metrics = run.metrics()
        if args.hold_apply and metrics["CDCIncomingChanges"] >= args.hold_apply:
            run.faults.apply_delay_seconds = args.apply_delay
        print(json.dumps(metrics), flush=True)
    run.stop()
    print(json.dumps({"stopped": run.stop_reason, "error": run.error}), flush=True)
    return 1 if run.error else 0


if __name__ == "__main__":
    sys.exit(main())
