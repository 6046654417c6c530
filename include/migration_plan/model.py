"""The migration plan: one YAML file describes waves of servers (MGN) and databases (DMS).

One module a section: `plan_settings.py` (plan:), `waves.py` (waves: and their servers), `databases.py`
(databases:), `campaign.py` (campaign:), on the field helpers of `fields.py`; this module puts them together and is where the rest of
the project imports the plan's classes from.

Each field carries `description` (what is expected, shown in errors) and, where a generic hint would not
help, a `fix` in json_schema_extra. Defaults come from `defaults.py`. Checks that span several fields or
sections (duplicates, references, literal secrets) live in `validate.py` so they run even when a field
here fails, and every error is reported at once.
"""

from __future__ import annotations

from migration_plan.campaign import Campaign
from migration_plan.databases import (
    READ_ONLY_ENGINES,
    AddressSwitch,
    Cleanup,
    Cutover,
    Database,
    DatabaseDnsRecord,
    Endpoint,
    GreatExpectations,
    GxExpectation,
    ReplicationInstance,
    SqlCheck,
    TableMappings,
    Validation,
    check_read_only,
)
from migration_plan.fields import (
    NAME_EXPECTED,
    NAME_PATTERN,
    REGION_PATTERN,
    ROLE_ARN_PATTERN,
    SECRET_ARN_PATTERN,
    SNS_ARN_PATTERN,
    SOURCE_SERVER_ID_PATTERN,
    Engine,
    F,
    MigrationType,
    StrictModel,
)
from migration_plan.plan_settings import Notification, PlanSettings
from migration_plan.waves import (
    ContentMatch,
    DnsRecord,
    HealthChecks,
    HttpCheck,
    LaunchSettings,
    Server,
    TcpCheck,
    Wave,
)

__all__ = [
    "NAME_EXPECTED",
    "NAME_PATTERN",
    "READ_ONLY_ENGINES",
    "REGION_PATTERN",
    "ROLE_ARN_PATTERN",
    "SECRET_ARN_PATTERN",
    "SNS_ARN_PATTERN",
    "SOURCE_SERVER_ID_PATTERN",
    "AddressSwitch",
    "Campaign",
    "Cleanup",
    "ContentMatch",
    "Cutover",
    "Database",
    "DatabaseDnsRecord",
    "DnsRecord",
    "Endpoint",
    "Engine",
    "F",
    "GreatExpectations",
    "GxExpectation",
    "HealthChecks",
    "HttpCheck",
    "LaunchSettings",
    "MigrationPlan",
    "MigrationType",
    "Notification",
    "PlanSettings",
    "ReplicationInstance",
    "Server",
    "SqlCheck",
    "StrictModel",
    "TableMappings",
    "TcpCheck",
    "Validation",
    "Wave",
    "check_read_only",
]


class MigrationPlan(StrictModel):
    plan: PlanSettings = F(expected="the plan's settings (name, region, approvers, ...)")
    waves: list[Wave] = F([], expected="a list of waves of servers")
    databases: list[Database] = F([], expected="a list of databases")
    campaign: Campaign = F(
        Campaign(), expected="how the campaign DAG runs the waves (order, max_waves_in_flight, wave_days)"
    )

    def wave_approvers(self, wave: Wave) -> list[str]:
        return wave.approvers if wave.approvers is not None else self.plan.approvers

    def database_approvers(self, database: Database) -> list[str]:
        return database.approvers if database.approvers is not None else self.plan.approvers
