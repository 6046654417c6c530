"""DAG ids, in one place: builders, `show` and tests must agree on them."""

from __future__ import annotations

import re


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "unnamed"


def preflight_dag_id(plan_name: str) -> str:
    return f"{plan_name}__preflight"


def invalid_plan_dag_id(file_stem: str) -> str:
    return f"invalid_plan__{_safe(file_stem)}"
