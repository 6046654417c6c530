"""Console links for MGN, shown on the task in the Airflow UI (values come from the task's XCom)."""

from __future__ import annotations

from airflow.providers.amazon.aws.links.base_aws import BASE_AWS_CONSOLE_LINK, BaseAwsLink

_MGN = BASE_AWS_CONSOLE_LINK + "/mgn/home?region={region_name}#/"


class MgnSourceServersLink(BaseAwsLink):
    """The MGN source servers page (a wave spans several servers, so the list rather than one server)."""

    name = "MGN Source Servers"
    key = "_mgn_source_servers"
    format_str = _MGN + "sourceServers"


class MgnSourceServerLink(BaseAwsLink):
    """One source server's page."""

    name = "MGN Source Server"
    key = "_mgn_source_server"
    format_str = _MGN + "sourceServers/{source_server_id}"


class MgnJobLink(BaseAwsLink):
    """The launch history entry of one MGN job (test, cutover or terminate)."""

    name = "MGN Job"
    key = "_mgn_job"
    format_str = _MGN + "launchHistory/{job_id}"


class MgnWaveLink(BaseAwsLink):
    """MGN's own wave, as synced from the plan."""

    name = "MGN Wave"
    key = "_mgn_wave"
    format_str = _MGN + "waves/{wave_id}"
