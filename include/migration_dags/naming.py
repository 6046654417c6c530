"""DAG ids, in one place: builders, `show` and tests must agree on them."""

from __future__ import annotations

import re


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "unnamed"


def preflight_dag_id(plan_name: str) -> str:
    return f"{plan_name}__preflight"


def invalid_plan_dag_id(file_stem: str) -> str:
    return f"invalid_plan__{_safe(file_stem)}"


def wave_dag_id(plan_name: str, wave_name: str) -> str:
    return f"{plan_name}__wave__{wave_name}"


def wave_rollback_dag_id(plan_name: str, wave_name: str) -> str:
    return f"{plan_name}__rollback__{wave_name}"


def campaign_dag_id(plan_name: str) -> str:
    return f"{plan_name}__campaign"


def database_dag_id(plan_name: str, database_name: str) -> str:
    return f"{plan_name}__database__{database_name}"


def database_cutover_asset(plan_name: str, database_name: str):
    """The Asset a database DAG emits when its cutover is done; waves that depend on it wait for it."""
    from airflow.sdk import Asset

    return Asset(
        name=f"{plan_name}.{database_name}.cutover", uri=f"migration://{plan_name}/{database_name}/cutover"
    )
