"""The fuzz test: random, boundary and malformed requests for every implemented MGN and DMS operation.

Bounded in time (SANDBOX_FUZZ_SECONDS, default 20) and loopback only (see sandbox.fuzzing). No answer may be
a 5xx or an error type the protocol does not declare; the state files stay strict JSON; and the normal
walks (an MGN test launch, a DMS full load) still work afterwards. `benchmarks/sandbox_fuzz.py` runs the
same campaign for longer.
"""

from __future__ import annotations

import os

import pytest

from sandbox.fuzz_walks import CONFIG, dms_walk, mgn_walk, targets
from sandbox.fuzzing import Campaign, strict_json_problems
from sandbox.testing import running_sandbox

SECONDS = float(os.environ.get("SANDBOX_FUZZ_SECONDS", "20"))
SEED = int(os.environ.get("SANDBOX_FUZZ_SEED", "8"))


@pytest.mark.timeout(SECONDS + 240)
def test_fuzz_finds_no_5xx_and_leaves_a_working_sandbox(tmp_path) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with running_sandbox(CONFIG, tmp_path / "state") as sandbox:
        campaign = Campaign(sandbox.endpoint_url, scratch, seed=SEED, known_ids=targets(sandbox, scratch))
        campaign.run(SECONDS)
        findings = [str(f) for f in campaign.findings]
        assert findings == [], f"{len(findings)} findings in {campaign.sent} requests (seed {SEED})"
        assert campaign.sent >= 200 and {"shape", "body", "signature", "encoding"} <= set(campaign.kinds)
        assert campaign.statuses[200] > 0  # the campaign reaches the handlers, not only the checks
        for service in ("mgn", "dms"):
            sandbox.server.services[service].store.save()
        assert strict_json_problems(sandbox.state_dir) == []
        mgn_walk(sandbox)
        dms_walk(sandbox, scratch)
        assert strict_json_problems(sandbox.state_dir) == []
