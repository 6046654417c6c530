"""The wave DAG: replication ready -> test launch -> evidence -> approval -> cutover -> DNS -> approval ->
finalize -> archive, with a rollback path that runs when a step fails or an approver rejects.

One DAG per wave (and a rollback DAG to trigger by hand). Operators get plain values from the plan; MGN
calls act on the whole wave at once. Per-record and per-launch-setting work is dynamically mapped, so the
DAG's size (and its parse time) does not grow with the number of servers.
"""

from __future__ import annotations

import logging

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, TaskGroup, chain
from airflow.task.trigger_rule import TriggerRule
from migration_plan.model import MigrationPlan, Wave
from migration_plan.validate import PlanResult
from operators.dns import Route53SwitchRecordOperator
from operators.mgn import (
    MgnChangeServerLifeCycleStateOperator,
    MgnFinalizeCutoverOperator,
    MgnMarkAsArchivedOperator,
    MgnStartCutoverOperator,
    MgnStartTestOperator,
    MgnSyncWaveOperator,
    MgnTerminateTargetInstancesOperator,
    MgnUpdateLaunchConfigurationOperator,
)
from operators.post_launch import MgnPostLaunchValidationOperator
from operators.rollback import (
    MgnRevertLifecycleOperator,
    MgnRollbackTerminateOperator,
    Route53RevertIfSwitchedOperator,
)
from sensors.assets import AssetEventSensor
from sensors.mgn import MgnJobCompleteSensor, MgnReplicationReadySensor
from shared.xcom import VALIDATION_REPORT_KEY

from migration_dags.build_common import aws_args, plan_dag_args, wait_args
from migration_dags.gates import approval_gate
from migration_dags.naming import database_cutover_asset, wave_dag_id, wave_rollback_dag_id

log = logging.getLogger("migration.rollback")


def _ids(wave: Wave) -> list[str]:
    return [server.source_server_id for server in wave.servers]


def _launch_groups(wave: Wave) -> list[dict]:
    """One UpdateLaunchConfiguration call per distinct launch setting (usually one for the wave)."""
    groups: dict[tuple, list[str]] = {}
    for server in wave.servers:
        launch = server.launch
        key = (
            launch.right_sizing,
            launch.copy_private_ip,
            launch.copy_tags,
            launch.byol,
            launch.launch_disposition,
        )
        groups.setdefault(key, []).append(server.source_server_id)
    return [
        {
            "source_server_ids": ids,
            "right_sizing": key[0],
            "copy_private_ip": key[1],
            "copy_tags": key[2],
            "os_byol": key[3],
            "launch_disposition": key[4],
        }
        for key, ids in groups.items()
    ]


def _server_checks(wave: Wave) -> dict[str, dict]:
    checks = {}
    for server in wave.servers:
        effective = wave.effective_health_checks(server)
        entry: dict = {
            "http_checks": [c.model_dump() for c in effective.http],
            "tcp_checks": [c.model_dump() for c in effective.tcp],
            "parity_checks": [c.model_dump() for c in effective.content_match],
        }
        if server.source_ip:
            entry["source_address"] = server.source_ip
        checks[server.source_server_id] = entry
    return checks


def _dns_records(wave: Wave) -> list[dict]:
    return [
        {
            "hosted_zone_id": server.dns.zone_id,
            "record_name": server.dns.name,
            "record_type": server.dns.type,
            "ttl": server.dns.ttl,
            "source_server_id": server.source_server_id,
        }
        for server in wave.servers
        if server.dns is not None
    ]


def _wave_doc(plan: MigrationPlan, wave: Wave) -> str:
    rows = "\n".join(
        f"| {s.hostname} | `{s.source_server_id}` | {s.dns.name if s.dns else '-'} |" for s in wave.servers
    )
    return (
        f"# Wave `{wave.name}` of plan `{plan.plan.name}`\n\n{wave.description}\n\n"
        "Replication ready → test launch → health and parity checks → **approval** → cutover → checks → "
        "DNS switch → **approval** → finalize → archive. A failure or a rejection runs the `rollback` group: "
        "servers back to READY, launched instances terminated, DNS restored. After FinalizeCutover MGN cannot "
        "terminate any more: the rollback then restores DNS and says what is left to do.\n\n"
        f"Approvers: {', '.join(plan.wave_approvers(wave))}. Gates reject on their own after "
        f"{plan.plan.approval_timeout_hours:g} h.\n\n| server | MGN id | DNS |\n|---|---|---|\n{rows}\n"
    )


def _gate_body(plan: MigrationPlan, wave: Wave, stage: str, checks_task: str, job_task: str) -> str:
    region = plan.plan.region
    console = f"https://{region}.console.aws.amazon.com/mgn/home?region={region}"
    return (
        f"## Wave `{wave.name}`: {stage}\n\n"
        f"{len(wave.servers)} servers: {', '.join(s.hostname for s in wave.servers)}.\n\n"
        f"MGN job `{{{{ ti.xcom_pull(task_ids='{job_task}') }}}}`: "
        f"[launch history]({console}#/launchHistory/{{{{ ti.xcom_pull(task_ids='{job_task}') }}}}).\n\n"
        f"### Checks\n\n{{{{ ti.xcom_pull(task_ids='{checks_task}', key='{VALIDATION_REPORT_KEY}') }}}}\n\n"
        "**Approve** to go on. **Reject** (or no answer before the timeout) rolls the wave back."
    )


def _rollback_report(ti, group: str) -> dict:
    """What the rollback did, and what it could not do; logged and returned to XCom."""
    revert = ti.xcom_pull(task_ids=f"{group}.revert_lifecycle") or {}
    dns_changes = ti.xcom_pull(task_ids=f"{group}.restore_dns") or []
    report = {
        "lifecycle_reverted": revert.get("reverted", {}),
        "terminate_job": ti.xcom_pull(task_ids=f"{group}.terminate_instances"),
        "dns_records_restored": len([c for c in dns_changes if c]),
        "left_for_a_person": [
            f"{sid}: finalized, MGN cannot terminate its instance; DNS points back at the source; keep the "
            "source server running (30 days) and terminate the instance by hand once decided"
            for sid in revert.get("finalized", [])
        ],
    }
    log.warning("ROLLED BACK: %s", report)
    return report


def add_rollback(plan: MigrationPlan, wave: Wave, *, triggered_by_failure: bool) -> TaskGroup:
    """Revert lifecycle -> terminate launched instances -> restore DNS -> report.

    In the wave DAG the group starts when any main task fails (ONE_FAILED) and each later step runs even if
    the one before it failed (NONE_SKIPPED), so DNS is restored even when a terminate fails. In the rollback
    DAG every step simply runs.
    """
    aws = aws_args(plan)
    after = TriggerRule.NONE_SKIPPED if triggered_by_failure else TriggerRule.ALL_DONE
    with TaskGroup("rollback") as group:
        revert = MgnRevertLifecycleOperator(
            task_id="revert_lifecycle",
            source_server_ids=_ids(wave),
            trigger_rule=TriggerRule.ONE_FAILED if triggered_by_failure else TriggerRule.ALL_SUCCESS,
            **aws,
        )
        terminate = MgnRollbackTerminateOperator(
            task_id="terminate_instances",
            # Rendered text of a list; the operator parses it (an XComArg subscript would be an XCom key).
            source_server_ids="{{ (ti.xcom_pull(task_ids='rollback.revert_lifecycle') or {}).get('terminable', []) }}",
            wait_for_completion=True,
            waiter_delay=min(plan.plan.poll_interval_seconds, 10),
            trigger_rule=after,
            **aws,
        )
        revert >> terminate
        records = _dns_records(wave)
        dns = None
        if records:
            dns = Route53RevertIfSwitchedOperator.partial(
                task_id="restore_dns", trigger_rule=after, **aws
            ).expand_kwargs(
                [{k: r[k] for k in ("hosted_zone_id", "record_name", "record_type")} for r in records]
            )
            terminate >> dns
        report = PythonOperator(
            task_id="report",
            python_callable=_rollback_report,
            op_kwargs={"group": "rollback"},
            trigger_rule=after,
        )
        (dns if dns is not None else terminate) >> report
    return group


def _launch_and_validate(
    plan: MigrationPlan, wave: Wave, stage: str, start_operator: type[MgnStartTestOperator]
) -> list:
    """start_<stage> (one MGN job for the wave) -> <stage>_launched (every server LAUNCHED) ->
    validate_<stage> (health and parity checks of the launched instances)."""
    aws, ids = aws_args(plan), _ids(wave)
    start = start_operator(task_id=f"start_{stage}", source_server_ids=ids, **aws)
    return [
        start,
        MgnJobCompleteSensor(task_id=f"{stage}_launched", job_id=start.output, **wait_args(plan), **aws),
        MgnPostLaunchValidationOperator(
            task_id=f"validate_{stage}", source_server_ids=ids, server_checks=_server_checks(wave), **aws
        ),
    ]


def _approval(plan: MigrationPlan, wave: Wave, task_id: str, title: str, stage: str):
    """A gate whose body shows the stage's MGN job and the report of validate_<stage>."""
    return approval_gate(
        task_id=task_id,
        plan=plan,
        approvers=plan.wave_approvers(wave),
        subject=f"[{plan.plan.name}/{wave.name}] {title}",
        body=_gate_body(plan, wave, title, f"validate_{stage}", f"start_{stage}"),
    )


def _wait_for_databases(plan: MigrationPlan, wave: Wave) -> list:
    """wait_for_databases, when the wave uses databases: their cutover Assets (at most 30 days)."""
    if not wave.depends_on_databases:
        return []
    assets = [database_cutover_asset(plan.plan.name, name) for name in wave.depends_on_databases]
    return [AssetEventSensor(task_id="wait_for_databases", assets=assets, timeout=60 * 60 * 24 * 30)]


def _switch_dns(plan: MigrationPlan, wave: Wave) -> list:
    """switch_dns, one mapped task per record of the wave, when it has records."""
    records = _dns_records(wave)
    if not records:
        return []
    return [
        Route53SwitchRecordOperator.partial(task_id="switch_dns", **aws_args(plan)).expand_kwargs(records)
    ]


def build_wave_dag(result: PlanResult, wave: Wave) -> DAG:
    """The wave's steps in the order they run, as one chain; any failure up to the finalize starts the
    rollback group. To add a step, add it to ``steps`` where it runs."""
    plan = result.plan
    aws, ids = aws_args(plan), _ids(wave)
    with DAG(
        **plan_dag_args(
            plan,
            wave_dag_id(plan.plan.name, wave.name),
            "mgn",
            "wave",
            doc_md=_wave_doc(plan, wave),
            max_active_runs=1,
        )
    ) as dag:
        steps = [
            *_wait_for_databases(plan, wave),
            MgnReplicationReadySensor(
                task_id="replication_ready",
                source_server_ids=ids,
                max_lag_seconds=wave.max_replication_lag_seconds,
                **wait_args(plan),
                **aws,
            ),
            MgnSyncWaveOperator(
                task_id="sync_mgn_wave",
                source_server_ids=ids,
                wave_name=f"{plan.plan.name}-{wave.name}",
                description=wave.description or None,
                **aws,
            ),
            MgnUpdateLaunchConfigurationOperator.partial(
                task_id="update_launch_configuration", **aws
            ).expand_kwargs(_launch_groups(wave)),
            *_launch_and_validate(plan, wave, "test", MgnStartTestOperator),
            _approval(plan, wave, "approve_cutover", "test instances launched, cut over?", "test"),
            MgnChangeServerLifeCycleStateOperator(
                task_id="ready_for_cutover", source_server_ids=ids, state="READY_FOR_CUTOVER", **aws
            ),
            MgnTerminateTargetInstancesOperator(
                task_id="terminate_test_instances",
                source_server_ids=ids,
                wait_for_completion=True,
                waiter_delay=5,
                **aws,
            ),
            *_launch_and_validate(plan, wave, "cutover", MgnStartCutoverOperator),
            *_switch_dns(plan, wave),
            _approval(plan, wave, "approve_finalize", "cutover done, finalize?", "cutover"),
        ]
        if wave.finalize:
            steps.append(MgnFinalizeCutoverOperator(task_id="finalize_cutover", source_server_ids=ids, **aws))
        chain(*steps)
        steps >> add_rollback(plan, wave, triggered_by_failure=True)
        if wave.finalize and wave.archive:
            # Archiving only tidies the console: its failure is no reason to move traffic back.
            steps[-1] >> MgnMarkAsArchivedOperator(task_id="mark_as_archived", source_server_ids=ids, **aws)
    return dag


def build_rollback_dag(result: PlanResult, wave: Wave) -> DAG:
    plan = result.plan
    doc = (
        f"# Roll back wave `{wave.name}` by hand\n\nPuts the servers back to READY_FOR_TEST/READY_FOR_CUTOVER, "
        "terminates their launched instances and restores the DNS records the wave switched. Finalized "
        "servers cannot be terminated by MGN: the report lists them."
    )
    with DAG(
        **plan_dag_args(
            plan,
            wave_rollback_dag_id(plan.plan.name, wave.name),
            "mgn",
            "rollback",
            doc_md=doc,
            max_active_runs=1,
        )
    ) as dag:
        add_rollback(plan, wave, triggered_by_failure=False)
    return dag
