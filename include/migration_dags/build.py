"""Build the DAGs of every plan. A plan that does not validate, or has lint errors (pitfalls that would
fail at run time or are unsafe: over 200 servers a wave, a server in two waves, no approver, secrets,
DROP_AND_CREATE over data), gets one DAG that shows its errors and fails when run; the other plans'
DAGs are untouched.

Parse time matters (the scheduler re-parses every few minutes): no network, no Airflow Variables or
connections here, heavy imports inside task callables.
"""

from __future__ import annotations

import logging
from pathlib import Path

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG
from migration_plan.issues import Issue
from migration_plan.lint import lint_plan
from migration_plan.validate import PlanResult

from migration_dags.build_common import default_args, plan_dag_args
from migration_dags.campaign import build_campaign_dag
from migration_dags.database import build_database_dag
from migration_dags.naming import invalid_plan_dag_id, preflight_dag_id
from migration_dags.plans import load_plans
from migration_dags.wave import build_rollback_dag, build_wave_dag

log = logging.getLogger(__name__)


def _plan_doc(result: PlanResult) -> str:
    plan = result.plan
    lines = [f"# Migration plan `{plan.plan.name}`", "", plan.plan.description or "", ""]
    lines.append(
        f"Plan file: `{result.file}`; region `{plan.plan.region}`; AWS connection `{plan.plan.aws_conn_id}`."
    )
    lines.append(f"Approvers: {', '.join(plan.plan.approvers) or '(none)'}.")
    lines += ["", "| wave | servers |", "|---|---|"]
    lines += [f"| {w.name} | {', '.join(s.hostname for s in w.servers)} |" for w in plan.waves]
    lines += ["", "| database | type | source → target |", "|---|---|---|"]
    lines += [
        f"| {d.name} | {d.migration_type} | {d.source.engine} → {d.target.engine} |" for d in plan.databases
    ]
    return "\n".join(lines)


def _run_validate(plan_file: str) -> dict:
    from migration_plan.validate import validate_file

    result = validate_file(plan_file)
    for issue in result.issues:
        log.info("%s", issue.render())
    if result.errors:
        raise ValueError(f"{plan_file}: {len(result.errors)} validation error(s); see the log above")
    return {"errors": 0, "file": plan_file}


def _run_lint(plan_file: str) -> dict:
    from migration_plan.lint import lint_file

    findings = lint_file(plan_file)
    for issue in findings:
        log.info("%s", issue.render())
    counts = {s: sum(1 for i in findings if i.severity == s) for s in ("error", "warning", "info")}
    if counts["error"]:
        raise ValueError(f"{plan_file}: {counts['error']} lint error(s); see the log above")
    return counts


def build_preflight_dag(result: PlanResult) -> DAG:
    """Re-checks the plan file at run time: the file may have changed since the DAG was parsed."""
    plan = result.plan
    doc = _plan_doc(result) + "\n\nThis DAG validates and lints the plan file before any wave starts."
    with DAG(**plan_dag_args(plan, preflight_dag_id(plan.plan.name), "preflight", doc_md=doc)) as dag:
        validate = PythonOperator(
            task_id="validate_plan", python_callable=_run_validate, op_args=[str(result.file)], retries=0
        )
        lint = PythonOperator(
            task_id="lint_plan", python_callable=_run_lint, op_args=[str(result.file)], retries=0
        )
        validate >> lint
    return dag


def build_plan_dags(result: PlanResult) -> list[DAG]:
    """Every DAG one valid plan produces."""
    dags = [build_preflight_dag(result)]
    dags += [build_database_dag(result, database) for database in result.plan.databases]
    for wave in result.plan.waves:
        dags += [build_wave_dag(result, wave), build_rollback_dag(result, wave)]
    dags.append(build_campaign_dag(result))
    return dags


def _fail_with_errors(plan_file: str, rendered: str) -> None:
    raise ValueError(f"plan {plan_file} is not valid; fix it and the DAGs appear:\n{rendered}")


def build_invalid_plan_dag(path: Path, issues: list[Issue]) -> DAG:
    """Makes a broken plan visible in the UI (with its errors) instead of hiding it in the parser log."""
    rendered = "\n".join(issue.render() for issue in issues if issue.severity == "error")
    with DAG(
        dag_id=invalid_plan_dag_id(path.stem),
        schedule=None,
        catchup=False,
        default_args={**default_args("migration"), "retries": 0},
        tags=["migration", "invalid-plan"],
        doc_md=f"# Plan `{path.name}` is not valid\n\nRun `make validate PLAN={path}`.\n\n```\n{rendered}\n```",
    ) as dag:
        PythonOperator(
            task_id="report_plan_errors", python_callable=_fail_with_errors, op_args=[str(path), rendered]
        )
    return dag


def build_all(folder: Path | None = None) -> list[DAG]:
    dags: list[DAG] = []
    owners: dict[str, Path] = {}  # plan name -> the file that claimed it first
    for result in load_plans(folder):
        if not result.ok:
            log.warning("plan %s is not valid (%d errors)", result.file, len(result.errors))
            dags.append(build_invalid_plan_dag(result.file, result.issues))
            continue
        name = result.plan.plan.name
        if name in owners:
            issue = Issue.error(
                "plan.duplicate-plan-name",
                ("plan", "name"),
                f"plan name '{name}' is already used by {owners[name]}: DAG ids would collide",
                fix="give every plan file its own plan.name",
            )
            dags.append(build_invalid_plan_dag(result.file, [issue.located(str(result.file), None)]))
            continue
        owners[name] = result.file
        blocking = [issue for issue in lint_plan(result) if issue.severity == "error"]
        if blocking:  # e.g. a wave over MGN's 200-server limit, a server in two waves, no approver
            log.warning("plan %s has %d lint errors: no DAGs built", result.file, len(blocking))
            dags.append(build_invalid_plan_dag(result.file, blocking))
            continue
        try:
            dags += build_plan_dags(result)
        except Exception as exc:  # a builder bug must not take the other plans' DAGs down with it
            log.exception("building the DAGs of %s failed", result.file)
            issue = Issue.error("build.failed", (), f"building the DAGs failed: {type(exc).__name__}: {exc}")
            dags.append(build_invalid_plan_dag(result.file, [issue.located(str(result.file), None)]))
    return dags
