"""Find and load the plans the DAG entry file builds from."""

from __future__ import annotations

import os
from pathlib import Path

from migration_plan.validate import PlanResult, validate_file

INCLUDE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_PLANS_DIR = INCLUDE_DIR / "plans"
PLANS_DIR_ENV = "MIGRATION_PLANS_DIR"


def plans_dir() -> Path:
    """include/plans/, or the folder named by MIGRATION_PLANS_DIR when it is set."""
    configured = os.environ.get(PLANS_DIR_ENV)
    return Path(configured) if configured else DEFAULT_PLANS_DIR


def plan_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in {".yaml", ".yml"} and p.is_file())


def load_plans(folder: Path | None = None) -> list[PlanResult]:
    return [validate_file(path) for path in plan_files(folder or plans_dir())]
