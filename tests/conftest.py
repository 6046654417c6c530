"""Test-wide setup: an isolated AIRFLOW_HOME and the shared fixtures."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

# Airflow reads its configuration at import time: point it at a throwaway home before anything imports it.
_airflow_home = Path(tempfile.mkdtemp(prefix="mig-airflow-home-"))
os.environ.setdefault("AIRFLOW_HOME", str(_airflow_home))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "True")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(REPO_ROOT / "dags"))
os.environ.setdefault("AIRFLOW__CORE__PLUGINS_FOLDER", str(REPO_ROOT / "plugins"))

pytest_plugins = ["tests.fixtures.databases"]
