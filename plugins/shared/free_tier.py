"""MGN's free period, once for the plan's lint and the campaign summary.

Each source server replicates free of MGN charges for 90 days (2,160 hours, the `free_hours_per_server` of
include/migration_plan/prices.yaml) counted from its first replication: MGN reports that moment as
``lifeCycle.firstByteDateTime`` (botocore's model: "Lifecycle replication initiation date and time").
After it, every replicating hour is billed until the cutover is finalized (replication stops).
"""

from __future__ import annotations

MGN_FREE_DAYS = 90
FREE_PERIOD_START_FIELD = "firstByteDateTime"  # of SourceServer.lifeCycle
