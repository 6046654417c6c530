"""Approval gates: the standard provider's ApprovalOperator, assigned to the plan's approvers, with the
evidence in its body, notifications when it starts waiting, and the safe default (reject) on timeout.

A rejection fails the gate (fail_on_reject): in a migration, "no" means stop and roll back, and the run
must show it. The rollback path is triggered by that failure.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.providers.standard.operators.hitl import ApprovalOperator
from migration_plan.model import MigrationPlan

APPROVE, REJECT = ApprovalOperator.APPROVE, ApprovalOperator.REJECT


def _notifiers(plan: MigrationPlan, subject: str) -> list:
    message = (
        f"{subject}\nDAG {{{{ dag.dag_id }}}}, run {{{{ run_id }}}}: an approval is waiting in the Airflow UI "
        "(Browse > Required Actions). Unanswered gates reject after "
        f"{plan.plan.approval_timeout_hours:g} h."
    )
    notifiers = []
    for target in plan.plan.notify:
        if target.type == "sns":
            from airflow.providers.amazon.aws.notifications.sns import SnsNotifier

            notifiers.append(
                SnsNotifier(
                    aws_conn_id=plan.plan.aws_conn_id,
                    region_name=plan.plan.region,
                    target_arn=target.target,
                    subject=subject[:100],
                    message=message,
                )
            )
        else:
            from airflow.providers.smtp.notifications.smtp import SmtpNotifier

            notifiers.append(SmtpNotifier(to=target.target, subject=subject, html_content=message))
    return notifiers


def approval_gate(
    *, task_id: str, plan: MigrationPlan, approvers: list[str], subject: str, body: str
) -> ApprovalOperator:
    return ApprovalOperator(
        task_id=task_id,
        subject=subject,
        body=body,
        assigned_users=[{"id": user, "name": user} for user in approvers],
        defaults=REJECT,
        response_timeout=timedelta(hours=plan.plan.approval_timeout_hours),
        fail_on_reject=True,
        notifiers=_notifiers(plan, subject),
        retries=0,
    )
