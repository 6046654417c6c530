"""The database DAG: instance -> endpoints -> connection tests -> task -> start -> full load -> DMS
validation -> GX checks -> approval -> read-only -> CDC lag drained -> stop -> address switch -> cutover
Asset -> approval -> cleanup, with a rollback group (source writable again, address back) on failure or
rejection. Full-load plans get no read-only/lag/stop stages; CDC-only plans no full load/validation/GX.

One DAG per database; operators get plain values from the plan. Every step is idempotent (describe first),
so clearing or retrying a task creates no second instance, endpoint or task and never restarts CDC.
"""

from __future__ import annotations

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, TaskGroup, chain
from airflow.task.trigger_rule import TriggerRule
from migration_plan.model import Database, MigrationPlan
from migration_plan.validate import PlanResult

from migration_dags import database_parts as P
from migration_dags.build_common import aws_args, plan_dag_args, wait_args
from migration_dags.gates import approval_gate
from migration_dags.naming import database_cutover_asset, database_dag_id

DOWNTIME_KEY = "downtime"


def measure_downtime(ti, budget: int, read_only_task: str | None, switch_task: str | None) -> dict:
    """Write downtime: from the source going read-only to the address switched (or the task stopped)."""
    start = (ti.xcom_pull(task_ids=read_only_task) or {}).get("at") if read_only_task else None
    switched = ti.xcom_pull(task_ids=switch_task) if switch_task else None
    end = (switched or {}).get("at") if isinstance(switched, dict) and "at" in switched else None
    if end is None and start is not None:
        import time

        end = time.time()  # a Route 53 switch returns no time: the switch has just finished
    seconds = round(end - start, 1) if start is not None and end is not None else None
    report = {
        "downtime_seconds": seconds,
        "budget_seconds": budget,
        "within_budget": seconds is None or seconds <= budget,
    }
    ti.xcom_push(key=DOWNTIME_KEY, value=report)
    return report


def current_lag(
    aws_conn_id: str, region_name: str, instance: str, task_arn: str, limit: float, points: int, period: int
) -> dict:
    """The CDC latencies right now, for the cutover gate (never fails: the lag sensor judges later)."""
    from datetime import timedelta

    from dms_checks.lag import evaluate_lag
    from hooks.cloudwatch import DmsMetricsHook
    from hooks.dms import resource_id

    hook = DmsMetricsHook(aws_conn_id=aws_conn_id, region_name=region_name)
    window = timedelta(seconds=period * (points + 2))
    try:
        series = hook.get_task_metrics(instance, resource_id(task_arn), window=window, period=period)
    except Exception as error:  # evidence only: the gate says it could not read the metrics
        return {"passed": False, "latest": {}, "reason": f"metrics not readable: {type(error).__name__}"}
    return evaluate_lag(series, limit, points).as_dict()


def _gate_body(plan: MigrationPlan, db: Database, stage: str, ids: dict[str, str], tasks: set[str]) -> str:
    region = plan.plan.region
    console = f"https://{region}.console.aws.amazon.com/dms/v2/home?region={region}#taskDetails/{ids['task']}"
    parts = [f"## Database `{db.name}`: {stage}", "", f"DMS task [{ids['task']}]({console})."]
    if "dms_validation" in tasks:
        parts += ["", "### DMS validation", "{{ ti.xcom_pull(task_ids='dms_validation', key='tables') }}"]
    for gx_task in ("gx_row_checks", "gx_verify"):
        if gx_task in tasks:
            pull = f"(ti.xcom_pull(task_ids='{gx_task}') or {{}})"
            parts += [
                "",
                f"### GX row checks ({gx_task})",
                f"{{{{ {pull}.get('checks') }}}} checks, {{{{ {pull}.get('failed') }}}} failed; "
                f"Data Docs: {{{{ {pull}.get('data_docs') }}}}",
            ]
    for lag_task in ("current_lag", "cdc_lag"):
        if lag_task in tasks:
            parts += ["", f"### CDC lag ({lag_task})", f"{{{{ ti.xcom_pull(task_ids='{lag_task}') }}}}"]
    if "measure_downtime" in tasks:
        parts += ["", "### Write downtime", "{{ ti.xcom_pull(task_ids='measure_downtime') }}"]
    parts += ["", "**Approve** to go on. **Reject** (or no answer before the timeout) rolls back."]
    return "\n".join(parts)


def _switch_tasks(plan: MigrationPlan, db: Database, revert: bool, **kwargs) -> list:
    from operators.cutover import SwitchDatabaseAddressOperator
    from operators.dns import Route53SwitchRecordOperator
    from operators.rollback import Route53RevertIfSwitchedOperator

    switch = db.cutover.address_switch
    if switch is None:
        return []
    aws, task_id = aws_args(plan), "restore_address" if revert else "switch_address"
    value = switch.value or db.target.host or db.target.database
    if switch.route53:
        r = switch.route53
        record = {"hosted_zone_id": r.zone_id, "record_name": r.name, "record_type": r.type}
        if revert:
            return [Route53RevertIfSwitchedOperator(task_id=task_id, **record, **aws, **kwargs)]
        return [
            Route53SwitchRecordOperator(task_id=task_id, ttl=r.ttl, value=value, **record, **aws, **kwargs)
        ]
    place = (
        {"secret_arn": switch.secret_arn, "secret_key": switch.address_key}
        if switch.secret_arn
        else {"ssm_parameter": switch.ssm_parameter}
    )
    return [
        SwitchDatabaseAddressOperator(
            task_id=task_id, value=None if revert else value, revert=revert, **place, **aws, **kwargs
        )
    ]


def add_rollback(plan: MigrationPlan, db: Database) -> TaskGroup:
    """Source writable again, then the address back; each runs even if the other failed."""
    from operators.cutover import SourceReadOnlyOperator

    with TaskGroup("rollback") as group:
        steps = []
        if db.migration_type in P.CDC_TYPES and db.cutover.source_read_only:
            steps.append(
                SourceReadOnlyOperator(
                    task_id="source_writable",
                    source=P.address(db.source),
                    users=db.cutover.read_only_users,
                    read_only=False,
                    trigger_rule=TriggerRule.ONE_FAILED,
                    **aws_args(plan),
                )
            )
        steps += _switch_tasks(
            plan, db, True, trigger_rule=TriggerRule.NONE_SKIPPED if steps else TriggerRule.ONE_FAILED
        )
        chain(*steps)
    return group


def _prepare(plan: MigrationPlan, db: Database, rules: list, ids: dict[str, str]) -> list:
    from operators.dms import DmsCreateTaskOperator, DmsStartTaskOperator
    from operators.dms_resources import (
        DmsEndpointOperator,
        DmsReplicationInstanceOperator,
        DmsTestConnectionsOperator,
    )

    aws, wait = aws_args(plan), wait_args(plan, max_hours=1)
    ri = db.replication_instance
    instance = DmsReplicationInstanceOperator(
        task_id="replication_instance",
        identifier=ids["instance"],
        instance_class=ri.instance_class,
        allocated_storage_gb=ri.allocated_storage_gb,
        multi_az=ri.multi_az,
        **wait,
        **aws,
    )
    endpoints = [
        DmsEndpointOperator(
            task_id=f"{kind}_endpoint",
            identifier=ids[kind],
            endpoint_type=kind,
            **P.endpoint_kwargs(ep),
            **aws,
        )
        for kind, ep in (("source", db.source), ("target", db.target))
    ]
    tests = DmsTestConnectionsOperator(
        task_id="test_connections",
        replication_instance_arn=instance.output,
        endpoint_arns=[e.output for e in endpoints],
        **wait,
        **aws,
    )
    create = DmsCreateTaskOperator(
        task_id="replication_task",
        identifier=ids["task"],
        source_endpoint_arn=endpoints[0].output,
        target_endpoint_arn=endpoints[1].output,
        replication_instance_arn=instance.output,
        migration_type=db.migration_type,
        table_mappings={"rules": rules},
        task_settings=P.task_settings(db),
        **wait,
        **aws,
    )
    start = DmsStartTaskOperator(task_id="start_task", replication_task_arn=create.output, **wait, **aws)
    return [instance, endpoints, tests, create, start]


def _check(plan: MigrationPlan, db: Database, rules: list, task_arn, docs_dir: str) -> list:
    """Full load, DMS validation, GX row checks (report-only while a CDC source is still written)."""
    from operators.validation import GxRowChecksOperator
    from sensors.dms import DmsFullLoadCompleteSensor, DmsValidationCompleteSensor

    if db.migration_type == "cdc":
        return []
    aws, wait = aws_args(plan), wait_args(plan)
    steps: list = [
        DmsFullLoadCompleteSensor(task_id="full_load", replication_task_arn=task_arn, **wait, **aws)
    ]
    if db.validation.dms_validation:
        control = (db.task_settings.get("ControlTablesSettings") or {}).get("ControlSchema") or None
        steps.append(
            DmsValidationCompleteSensor(
                task_id="dms_validation",
                replication_task_arn=task_arn,
                target=P.address(db.target),
                control_schema=control,
                **wait,
                **aws,
            )
        )
    if db.validation.great_expectations.enabled:
        steps.append(
            GxRowChecksOperator(
                task_id="gx_row_checks",
                data_docs_dir=f"{docs_dir}/before_gate",
                report_only=db.migration_type in P.CDC_TYPES,
                retries=0,
                # Runs after a failed DMS validation too, so GX names the same mismatch; the gate waits on both.
                trigger_rule=TriggerRule.ALL_DONE
                if db.validation.dms_validation
                else TriggerRule.ALL_SUCCESS,
                **P.gx_kwargs(db, rules),
                **aws,
            )
        )
    return steps


def _drain(plan: MigrationPlan, db: Database, rules: list, ids: dict, task_arn, docs_dir: str) -> list:
    """Read-only, lag drained, strict GX checks, task stopped (CDC plans only)."""
    from operators.cutover import SourceReadOnlyOperator
    from operators.dms import DmsStopTaskOperator
    from operators.validation import GxRowChecksOperator
    from sensors.dms import DmsCdcLagSensor

    if db.migration_type not in P.CDC_TYPES:
        return []
    aws, cut = aws_args(plan), db.cutover
    steps: list = []
    if cut.source_read_only:
        steps.append(
            SourceReadOnlyOperator(
                task_id="source_read_only", source=P.address(db.source), users=cut.read_only_users, **aws
            )
        )
    steps.append(
        DmsCdcLagSensor(
            task_id="cdc_lag",
            instance_identifier=ids["instance"],
            replication_task_arn=task_arn,
            max_lag_seconds=cut.max_cdc_lag_seconds,
            consecutive_datapoints=cut.lag_datapoints,
            period=cut.lag_period_seconds,
            **wait_args(plan, max_hours=2),
            **aws,
        )
    )
    if db.validation.great_expectations.enabled and cut.source_read_only:
        steps.append(
            GxRowChecksOperator(
                task_id="gx_verify",
                data_docs_dir=f"{docs_dir}/drained",
                retries=0,
                **P.gx_kwargs(db, rules),
                **aws,
            )
        )
    steps.append(
        DmsStopTaskOperator(task_id="stop_task", replication_task_arn=task_arn, **wait_args(plan, 1), **aws)
    )
    return steps


def _cleanup(plan: MigrationPlan, db: Database, ids: dict) -> list:
    from operators.dms import DmsDeleteTaskOperator
    from operators.dms_resources import DmsDeleteEndpointOperator, DmsDeleteReplicationInstanceOperator

    aws, wait, c = aws_args(plan), wait_args(plan, 1), db.cleanup
    steps: list = []
    if c.delete_task:
        steps.append(DmsDeleteTaskOperator(task_id="delete_task", identifier=ids["task"], **wait, **aws))
    if c.delete_endpoints:
        steps.append(
            [
                DmsDeleteEndpointOperator(
                    task_id=f"delete_{kind}_endpoint", identifier=ids[kind], **wait, **aws
                )
                for kind in ("source", "target")
            ]
        )
    if c.delete_replication_instance:
        steps.append(
            DmsDeleteReplicationInstanceOperator(
                task_id="delete_instance", identifier=ids["instance"], **wait, **aws
            )
        )
    return steps


def _task_ids(steps: list) -> set[str]:
    return {t.task_id for s in steps for t in (s if isinstance(s, list) else [s])}


def _current_lag(plan: MigrationPlan, db: Database, ids: dict, task_arn) -> list:
    """The CDC latencies read for the cutover gate's evidence (CDC plans only)."""
    if db.migration_type not in P.CDC_TYPES:
        return []
    cut = db.cutover
    lag = {
        "instance": ids["instance"],
        "task_arn": task_arn,
        "limit": cut.max_cdc_lag_seconds,
        "points": cut.lag_datapoints,
        "period": cut.lag_period_seconds,
    }
    kwargs = {**aws_args(plan), **lag}
    return [PythonOperator(task_id="current_lag", python_callable=current_lag, op_kwargs=kwargs, retries=0)]


def _downtime(plan: MigrationPlan, db: Database, drain: list, switch: list) -> PythonOperator:
    """Measures the write downtime and emits the cutover Asset the waves using this database wait for."""
    read_only = "source_read_only" if "source_read_only" in _task_ids(drain) else None
    return PythonOperator(
        task_id="measure_downtime",
        python_callable=measure_downtime,
        op_kwargs={
            "budget": db.cutover.downtime_budget_seconds,
            "read_only_task": read_only,
            "switch_task": switch[0].task_id if switch else None,
        },
        outlets=[database_cutover_asset(plan.plan.name, db.name)],
        retries=0,
    )


def _gate(plan: MigrationPlan, db: Database, ids: dict, name: str, why: str, ask: str, evidence: set[str]):
    """The approval gate ``approve_<name>`` asking ``ask``, its body showing the ``evidence`` tasks' results."""
    return approval_gate(
        task_id=f"approve_{name}",
        plan=plan,
        approvers=plan.database_approvers(db),
        subject=f"[{plan.plan.name}/{db.name}] {why}, {ask}",
        body=_gate_body(plan, db, ask, ids, evidence),
    )


def build_database_dag(result: PlanResult, db: Database) -> DAG:
    plan = result.plan
    rules = result.table_mappings.get(db.name, [])
    ids = P.identifiers(plan, db)
    docs_dir = f"{{{{ var.value.get('migration_data_docs_dir', '/tmp/migration-data-docs') }}}}/{db.name}/{{{{ run_id }}}}"
    dag_id = database_dag_id(plan.plan.name, db.name)
    with DAG(
        **plan_dag_args(plan, dag_id, "dms", "database", doc_md=P.database_doc(plan, db), max_active_runs=1)
    ) as dag:
        prepare = _prepare(plan, db, rules, ids)
        task_arn = prepare[3].output
        checks = _check(plan, db, rules, task_arn, docs_dir) + _current_lag(plan, db, ids, task_arn)
        gate_cutover = _gate(plan, db, ids, "cutover", "data proven equal", "cut over?", _task_ids(checks))
        drain = _drain(plan, db, rules, ids, task_arn, docs_dir)
        switch = _switch_tasks(plan, db, False)
        downtime = _downtime(plan, db, drain, switch)
        evidence = _task_ids(drain) | {"measure_downtime"}
        gate_finalize = _gate(plan, db, ids, "finalize", "cutover done", "finalize?", evidence)
        main = [*prepare, *checks, gate_cutover, *drain, *switch, downtime, gate_finalize]
        chain(*main)
        if "dms_validation" in _task_ids(
            checks
        ):  # the gate waits on the DMS verdict, even when GX ran after it
            dag.get_task("dms_validation") >> gate_cutover
        [t for s in main for t in (s if isinstance(s, list) else [s])] >> add_rollback(plan, db)
        cleanup = _cleanup(plan, db, ids)
        if cleanup:
            chain(main[-1], *cleanup)
    return dag
