"""Console links for MGN, shown on the task in the Airflow UI (values come from the task's XCom)."""

from __future__ import annotations

from links.console import console_pages

_page = console_pages(__name__, "/mgn/home?region={region_name}#/")

# The source servers page (a wave spans several servers, so the list rather than one server).
MgnSourceServersLink = _page(
    "MgnSourceServersLink", "MGN Source Servers", "_mgn_source_servers", "sourceServers"
)
# One source server's page.
MgnSourceServerLink = _page(
    "MgnSourceServerLink", "MGN Source Server", "_mgn_source_server", "sourceServers/{source_server_id}"
)
# The launch history entry of one MGN job (test, cutover or terminate).
MgnJobLink = _page("MgnJobLink", "MGN Job", "_mgn_job", "launchHistory/{job_id}")
# MGN's own wave, as synced from the plan.
MgnWaveLink = _page("MgnWaveLink", "MGN Wave", "_mgn_wave", "waves/{wave_id}")
