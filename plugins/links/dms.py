"""Console links for DMS, shown on the task in the Airflow UI (values come from the task's XCom)."""

from __future__ import annotations

from links.console import console_pages

_page = console_pages(__name__, "/dms/v2/home?region={region_name}#")

# One replication task's page (table statistics, CloudWatch metrics, logs).
DmsTaskLink = _page("DmsTaskLink", "DMS Replication Task", "_dms_task", "taskDetails/{task_identifier}")
# One replication instance's page.
DmsReplicationInstanceLink = _page(
    "DmsReplicationInstanceLink",
    "DMS Replication Instance",
    "_dms_instance",
    "replicationInstanceDetails/{instance_identifier}",
)
# The endpoints list (a database has two).
DmsEndpointsLink = _page("DmsEndpointsLink", "DMS Endpoints", "_dms_endpoints", "endpointList")
