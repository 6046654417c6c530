"""Every default of the migration plan, in one place.

The plan model reads its defaults from here and `show` prints them, so a user can always see which value
a field takes when the plan leaves it out. Change a default here and both follow.
"""

from __future__ import annotations

PLAN = {
    "aws_conn_id": "aws_default",
    "owner": "migration",
    "monitor_schedule": "*/10 * * * *",
    "approval_timeout_hours": 24.0,
    "poll_interval_seconds": 30,
}

WAVE = {
    "finalize": True,
    "archive": True,
    "max_replication_lag_seconds": 60,
    "expected_replication_days": 14,
}

LAUNCH = {
    "right_sizing": "BASIC",
    "copy_private_ip": False,
    "copy_tags": True,
    "byol": False,
    "launch_disposition": "STARTED",
}

DNS = {"ttl": 60, "type": "A"}

CAMPAIGN = {
    "max_waves_in_flight": 1,
    "wave_days": 7.0,
}

HTTP_CHECK = {"expected_status": 200}

DATABASE = {
    "expected_duration_days": 30,
}

ENDPOINT_PORTS = {
    "mysql": 3306,
    "mariadb": 3306,
    "aurora": 3306,
    "postgres": 5432,
    "aurora-postgresql": 5432,
    "oracle": 1521,
    "sqlserver": 1433,
}

REPLICATION_INSTANCE = {
    "instance_class": "dms.t3.medium",
    "allocated_storage_gb": 50,
    "multi_az": False,
}

VALIDATION = {"dms_validation": True}

GREAT_EXPECTATIONS = {"enabled": True, "row_count_match": True}

CUTOVER = {
    "max_cdc_lag_seconds": 5,
    "source_read_only": False,
    "downtime_budget_seconds": 300,
}

CLEANUP = {
    "delete_task": True,
    "delete_endpoints": True,
    "delete_replication_instance": True,
}

# MGN's API takes at most this many source servers in one StartTest/StartCutover call.
MGN_MAX_SERVERS_PER_CALL = 200
