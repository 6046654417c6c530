"""Console links for DMS, shown on the task in the Airflow UI (values come from the task's XCom)."""

from __future__ import annotations

from airflow.providers.amazon.aws.links.base_aws import BASE_AWS_CONSOLE_LINK, BaseAwsLink

_DMS = BASE_AWS_CONSOLE_LINK + "/dms/v2/home?region={region_name}#"


class DmsTaskLink(BaseAwsLink):
    """One replication task's page (table statistics, CloudWatch metrics, logs)."""

    name = "DMS Replication Task"
    key = "_dms_task"
    format_str = _DMS + "taskDetails/{task_identifier}"


class DmsReplicationInstanceLink(BaseAwsLink):
    """One replication instance's page."""

    name = "DMS Replication Instance"
    key = "_dms_instance"
    format_str = _DMS + "replicationInstanceDetails/{instance_identifier}"


class DmsEndpointsLink(BaseAwsLink):
    """The endpoints list (a database has two)."""

    name = "DMS Endpoints"
    key = "_dms_endpoints"
    format_str = _DMS + "endpointList"
