"""The plan's own settings (`plan:`): name, region, AWS connection, approvers, notifications, timing."""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator, model_validator

from migration_plan import defaults as D
from migration_plan.fields import NAME_EXPECTED, NAME_PATTERN, REGION_PATTERN, SNS_ARN_PATTERN, F, StrictModel


class Notification(StrictModel):
    type: Literal["sns", "email"] = F(expected="'sns' (an SNS topic) or 'email' (an address, sent by SMTP)")
    target: str = F(
        expected="an SNS topic ARN for type sns, an e-mail address for type email",
        fix="e.g. target: arn:aws:sns:us-east-1:123456789012:migration-approvals",
        min_length=3,
    )

    @model_validator(mode="after")
    def _target_fits_type(self) -> Notification:
        import re

        if self.type == "sns" and not re.match(SNS_ARN_PATTERN, self.target):
            raise ValueError(
                "an sns notification needs a topic ARN as target (arn:aws:sns:REGION:ACCOUNT:NAME)"
            )
        if self.type == "email" and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", self.target):
            raise ValueError("an email notification needs an e-mail address as target")
        return self


class PlanSettings(StrictModel):
    name: str = F(expected=NAME_EXPECTED, pattern=NAME_PATTERN)
    description: str = F("", expected="free text shown in the DAGs' documentation")
    aws_conn_id: str = F(
        D.PLAN["aws_conn_id"],
        expected="the id of an Airflow connection of type aws",
        fix="create it with `airflow connections add` or a secrets backend; never put keys in the plan",
        min_length=1,
    )
    region: str = F(expected="an AWS region such as us-east-1", pattern=REGION_PATTERN)
    owner: str = F(D.PLAN["owner"], expected="the owner shown on every DAG of this plan", min_length=1)
    approvers: list[str] = F(
        [],
        expected="a list of Airflow user ids who may answer approval gates",
        fix="e.g. approvers: [alice, bob]",
    )
    notify: list[Notification] = F([], expected="a list of notification targets (type + target)")
    monitor_schedule: str = F(
        D.PLAN["monitor_schedule"],
        expected="a cron expression or preset (@hourly, @daily) for the CDC monitor",
        fix="e.g. monitor_schedule: '*/10 * * * *'",
    )
    approval_timeout_hours: float = F(
        D.PLAN["approval_timeout_hours"],
        expected="hours an approval gate waits before it takes the safe default (reject)",
        gt=0,
        le=24 * 30,
    )

    poll_interval_seconds: int = F(
        D.PLAN["poll_interval_seconds"],
        expected="seconds between two polls of AWS by a waiting sensor (MGN jobs, replication)",
        ge=1,
        le=3600,
    )

    @field_validator("approvers")
    @classmethod
    def _approver_ids(cls, value: list[str]) -> list[str]:
        for approver in value:
            if not approver.strip():
                raise ValueError("approver ids must not be empty")
        return value

    @field_validator("monitor_schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        presets = {"@once", "@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@continuous"}
        if value in presets:
            return value
        from croniter import croniter

        if not croniter.is_valid(value):
            raise ValueError(f"not a cron expression or one of {', '.join(sorted(presets))}")
        return value
