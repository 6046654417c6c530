"""The machine a benchmark ran on, as Markdown lines for a results file (shared by the benchmarks)."""

from __future__ import annotations

import os
import platform
import time
from importlib.metadata import version
from pathlib import Path


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def machine_lines(*packages: str) -> list[str]:
    """CPU, Python, the given packages' versions, date and load average at start."""
    return [
        f"- CPU: {cpu_model()}, nproc {os.cpu_count()} (shared with other workloads while measured)",
        f"- Python {platform.python_version()} on {platform.platform()}",
        "- " + ", ".join(f"{name} {version(name)}" for name in packages),
        f"- date: {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}, load average at start "
        f"{' / '.join(f'{x:.2f}' for x in os.getloadavg())} (1/5/15 min)",
    ]
