"""`show`: what a plan holds with every default spelled out, the DAGs it produces, and its cost."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from migration_plan.cost import estimate
from migration_plan.validate import PlanResult

DEFAULT_MARK = "  # default"
# Builds the DAGs of a valid plan (migration_dags.build.build_plan_dags). The DAG builders are a layer above
# the plan, so the plan package never imports them: the CLI's entry point (__main__) hands them in.
DagBuilder = Callable[[PlanResult], list[Any]]


def _render_model(model: BaseModel, indent: int, out: list[str]) -> None:
    pad = "  " * indent
    for name in type(model).model_fields:
        value = getattr(model, name)
        mark = "" if name in model.model_fields_set else DEFAULT_MARK
        if isinstance(value, BaseModel):
            out.append(f"{pad}{name}:{mark}")
            _render_model(value, indent + 1, out)
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            out.append(f"{pad}{name}:{mark}")
            for item in value:
                out.append(f"{pad}  -")
                _render_model(item, indent + 2, out)
        else:
            out.append(f"{pad}{name}: {_scalar(value)}{mark}")


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict) and len(str(value)) > 100:
        return "{" + ", ".join(value) + "}"
    return str(value)


def _dag_lines(result: PlanResult, build_dags: DagBuilder) -> list[str]:
    # Built by the same code Airflow runs, so what is shown is what the scheduler will see.
    lines = []
    for dag in build_dags(result):
        lines.append(f"  {dag.dag_id}  (schedule: {dag.schedule or 'manual trigger'})")
        lines.append("    tasks: " + ", ".join(task.task_id for task in dag.topological_sort()))
    return lines


def render_show(result: PlanResult, *, build_dags: DagBuilder | None = None) -> str:
    """The plan with its defaults, its DAGs (when given the builder) and its estimated cost."""
    plan = result.plan
    assert plan is not None, "show needs a valid plan"
    servers = sum(len(wave.servers) for wave in plan.waves)
    out = [
        f"Plan {plan.plan.name} ({result.file}): {len(plan.waves)} waves, {servers} servers, "
        f"{len(plan.databases)} databases",
        f"Values marked '{DEFAULT_MARK.strip()}' come from include/migration_plan/defaults.py.",
        "",
    ]
    _render_model(plan, 0, out)
    if build_dags is not None:
        out += ["", "DAGs:", *_dag_lines(result, build_dags)]
    cost = estimate(plan)
    out += ["", f"Estimated AWS cost (prices as of {cost.as_of}, {cost.price_region} on-demand, USD):"]
    if cost.region != cost.price_region:
        out.append(f"  note: the plan's region is {cost.region}; prices are {cost.price_region}'s")
    width = max((len(line.item) for line in cost.lines), default=10)
    for line in cost.lines:
        usd = f"{line.usd:>10.2f}" if line.usd is not None else "  no price"
        out.append(f"  {line.item:<{width}}  {usd}  {line.detail}")
    out.append(
        f"  {'total':<{width}}  {cost.total:>10.2f}" + ("  (plus unpriced items)" if cost.unpriced else "")
    )
    return "\n".join(out)
