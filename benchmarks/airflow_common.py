"""What the Airflow benchmarks share: machine info and the results file's sections (by hand, not in CI).

Each benchmark script (`benchmarks/airflow_parse.py`, `airflow_sensor_calls.py`, `airflow_deferred.py`)
writes its own section of `benchmarks/RESULTS-airflow.md`, between `<!-- BEGIN name -->` and
`<!-- END name -->`, so they can be re-run one at a time without losing the others' results.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from machine import machine_lines

REPO = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "RESULTS-airflow.md"

HEADER = """# Airflow benchmark results (issue 4)

Produced by hand (not in CI), one script per section:

```sh
.venv/bin/python benchmarks/airflow_parse.py          # 1. parse time of dags/ with 1,000 servers in 40 waves
.venv/bin/python benchmarks/airflow_sensor_calls.py   # 2. MGN API calls per sensor poke vs wave size
.venv/bin/python benchmarks/airflow_deferred.py       # 3. a deferred sensor holds no worker slot
```

Baselines are measured in the same run on the same machine; compare ratios, not absolute numbers, across
machines. Each section names the machine it ran on (sections may come from different runs).
"""


def arguments(doc: str | None) -> argparse.ArgumentParser:
    """A benchmark's command line, its module docstring as the help text."""
    return argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)


def machine() -> list[str]:
    return machine_lines("apache-airflow", "apache-airflow-providers-amazon", "boto3", "botocore")


def write_section(name: str, lines: list[str]) -> None:
    """Replace (or append) this benchmark's section of RESULTS-airflow.md; the other sections stay."""
    text = RESULTS.read_text() if RESULTS.exists() else HEADER
    block = f"<!-- BEGIN {name} -->\n" + "\n".join(lines).rstrip() + f"\n<!-- END {name} -->\n"
    pattern = re.compile(rf"<!-- BEGIN {re.escape(name)} -->\n.*?<!-- END {re.escape(name)} -->\n", re.S)
    found = pattern.search(text)
    text = pattern.sub(lambda _: block, text) if found else text.rstrip() + "\n\n" + block
    RESULTS.write_text(text)
    print("\n".join(lines), flush=True)


def setup_paths() -> None:
    """The project's import roots, as the venv's .pth gives them (for a venv built without it)."""
    for path in (REPO / "include", REPO / "plugins", REPO):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
