"""`show`: the plan as YAML with every default spelled out, and as comments the DAGs it produces and its cost.

The output is a plan: `yaml.safe_load` reads it back and it validates to the same model. The user's
comments and key order are kept; defaults are marked `# default`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from migration_plan.cost import estimate
from migration_plan.validate import PlanResult
from migration_plan.yaml_out import comment_block, dump, load_commented, merge_model

# Builds the DAGs of a valid plan (migration_dags.build.build_plan_dags). The DAG builders are a layer above
# the plan, so the plan package never imports them: the CLI's entry point (__main__) hands them in.
DagBuilder = Callable[[PlanResult], list[Any]]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _dag_lines(result: PlanResult, build_dags: DagBuilder) -> list[str]:
    # Built by the same code Airflow runs, so what is shown is what the scheduler will see.
    lines = ["DAGs this plan produces, with their tasks in run order:"]
    for dag in build_dags(result):
        lines.append(f"  {dag.dag_id}  (schedule: {dag.schedule or 'manual trigger'})")
        lines.append("    tasks: " + ", ".join(task.task_id for task in dag.topological_sort()))
    return lines


def _cost_lines(result: PlanResult) -> list[str]:
    cost = estimate(result.plan)
    lines = [f"Estimated AWS cost (prices as of {cost.as_of}, {cost.price_region} on-demand, USD):"]
    if cost.region != cost.price_region:
        lines.append(f"  note: the plan's region is {cost.region}; prices are {cost.price_region}'s")
    width = max((len(line.item) for line in cost.lines), default=10)
    for line in cost.lines:
        usd = f"{line.usd:>10.2f}" if line.usd is not None else "  no price"
        lines.append(f"  {line.item:<{width}}  {usd}  {line.detail}")
    unpriced = "  (plus unpriced items)" if cost.unpriced else ""
    lines.append(f"  {'total':<{width}}  {cost.total:>10.2f}{unpriced}")
    return lines


def render_show(result: PlanResult, *, build_dags: DagBuilder | None = None) -> str:
    plan = result.plan
    assert plan is not None, "show needs a valid plan"
    servers = sum(len(wave.servers) for wave in plan.waves)
    header = [
        f"make show: plan {plan.plan.name} ({result.file}): {_plural(len(plan.waves), 'wave')}, "
        f"{_plural(servers, 'server')}, {_plural(len(plan.databases), 'database')}",
        "Values marked '# default' come from include/migration_plan/defaults.py. This output is a plan",
        "itself: it validates to the same plan (relative mapping files resolve from the original's folder).",
    ]
    body = dump(merge_model(plan, load_commented(result.file)))
    footer = ([*_dag_lines(result, build_dags), ""] if build_dags else []) + _cost_lines(result)
    return comment_block(header) + "\n" + body + "\n" + comment_block(footer)
