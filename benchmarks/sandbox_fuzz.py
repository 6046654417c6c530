"""Sandbox fuzz campaign (by hand, not in CI): `.venv/bin/python benchmarks/sandbox_fuzz.py [--seconds 300]`.

The campaign of tests/integration/sandbox/api/test_fuzz.py, for longer and over several seeds, against one
in-process sandbox on loopback (see sandbox/fuzzing.py). Reports requests sent by kind, the status codes,
every finding (5xx, undeclared error type, dropped connection), whether the state files stay strict JSON
and whether the normal MGN and DMS walks still pass afterwards. Baseline, measured in the same run: the
rate of well-formed DescribeSourceServers calls sent the same way (one connection per request), so the
campaign's rate reads as a ratio. Writes benchmarks/RESULTS-sandbox-fuzz.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from machine import machine_lines

from sandbox.fuzz_walks import CONFIG, dms_walk, mgn_walk, targets
from sandbox.fuzzing import MODELS, Campaign, operation_request, strict_json_problems
from sandbox.testing import running_sandbox

RESULTS = Path(__file__).resolve().parent / "RESULTS-sandbox-fuzz.md"


def baseline_rate(campaign: Campaign, seconds: float) -> float:
    """Well-formed DescribeSourceServers calls per second, sent like the campaign's requests."""
    op = MODELS["mgn"].operation_model("DescribeSourceServers")
    sent, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, _ = campaign.send("baseline", operation_request("mgn", op, {"filters": {}}))
        assert status == 200, status
        sent += 1
    return sent / seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=300, help="length of the campaign")
    parser.add_argument("--seeds", type=int, default=5, help="the time is shared by this many seeds")
    args = parser.parse_args()
    lines = ["# Sandbox fuzz campaign", "", *machine_lines("botocore", "moto", "werkzeug"), ""]
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp) / "scratch"
        scratch.mkdir()
        with running_sandbox(CONFIG, Path(tmp) / "state") as sandbox:
            ids = targets(sandbox, scratch)
            started = time.monotonic()
            base = baseline_rate(Campaign(sandbox.endpoint_url, scratch), 10)
            statuses: Counter[int] = Counter()
            kinds: Counter[str] = Counter()
            findings, sent = [], 0
            for seed in range(args.seeds):
                campaign = Campaign(sandbox.endpoint_url, scratch, seed=seed, known_ids=ids)
                campaign.run(args.seconds / args.seeds)
                statuses.update(campaign.statuses)
                kinds.update(campaign.kinds)
                findings += [f"seed {seed}: {f}" for f in campaign.findings]
                sent += campaign.sent
            fuzz_seconds = time.monotonic() - started - 10
            for service in ("mgn", "dms"):
                sandbox.server.services[service].store.save()
            strict = strict_json_problems(sandbox.state_dir)
            walks = "passed"
            try:
                mgn_walk(sandbox)
                dms_walk(sandbox, scratch)
            except AssertionError as exc:
                walks = f"FAILED: {exc}"
    rate = sent / fuzz_seconds
    lines += [
        f"Command: `.venv/bin/python benchmarks/sandbox_fuzz.py --seconds {args.seconds:g} --seeds {args.seeds}`",
        "",
        "| measure | value |",
        "|---|---|",
        f"| requests sent | {sent} in {fuzz_seconds:.0f} s ({rate:.0f}/s) |",
        f"| baseline: well-formed DescribeSourceServers, same transport | {base:.0f}/s (campaign at {rate / base:.2f}x) |",
        "| by kind | " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) + " |",
        "| status codes | " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())) + " |",
        f"| findings (5xx, undeclared error types, dropped connections) | {len(findings)} |",
        f"| state files strict JSON afterwards | {strict or 'yes'} |",
        f"| MGN test launch and DMS full load afterwards | {walks} |",
        "",
        *(f"- {f}" for f in findings[:50]),
    ]
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
