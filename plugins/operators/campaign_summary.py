"""The campaign summary: per wave its state, attempts, time taken, servers archived and the MGN free days
left per server; per database its state. Fails (after pushing the summary) while anything is unfinished,
so a campaign run is only green when every wave and database is."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from airflow.providers.amazon.aws.operators.base_aws import AwsBaseOperator
from airflow.providers.amazon.aws.utils.mixins import aws_template_fields
from airflow.providers.common.compat.sdk import AirflowFailException
from campaign_checks.runs import latest_attempt
from campaign_checks.summary import render_report, run_summary, wave_summary
from hooks.dag_runs import DagRunHook
from hooks.mgn import MgnHook

if TYPE_CHECKING:
    from airflow.sdk import Context

CAMPAIGN_REPORT_KEY = "campaign_report"
DESCRIBE_BATCH = 200  # DescribeSourceServers' sourceServerIDs filter takes up to 200 ids


class CampaignSummaryOperator(AwsBaseOperator[MgnHook]):
    """
    :param waves: ``[{"name", "dag_id", "source_server_ids"}]`` in campaign order.
    :param databases: ``[{"name", "dag_id"}]``.

    Returns ``{"waves": [...], "databases": [...], "report": markdown}``; the report also goes to the log
    and to XCom ``campaign_report``.
    """

    aws_hook_class = MgnHook
    template_fields: Sequence[str] = aws_template_fields()

    def __init__(self, *, waves: list[dict], databases: list[dict] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("retries", 0)
        super().__init__(**kwargs)
        self.waves = waves
        self.databases = databases or []

    def _servers(self) -> dict[str, dict[str, Any]]:
        ids = [sid for wave in self.waves for sid in wave["source_server_ids"]]
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), DESCRIBE_BATCH):
            for server in self.hook.describe_source_servers(ids[start : start + DESCRIBE_BATCH]):
                found[server["sourceServerID"]] = server
        return found

    @staticmethod
    def _run_row(runs: DagRunHook, entry: dict, now: datetime) -> dict[str, Any]:
        dag_id = entry["dag_id"]
        latest = latest_attempt(lambda run_id: runs.state(dag_id, run_id))
        done_elsewhere = latest.state != "success" and runs.count(dag_id, states=["success"]) > 0
        details = runs.details(dag_id, latest.run_id) if latest.run_id and not done_elsewhere else None
        return run_summary(entry["name"], latest, details, done_elsewhere, now)

    def execute(self, context: Context) -> dict[str, Any]:
        runs, now = DagRunHook(), datetime.now(UTC)
        servers = self._servers()
        waves = [
            wave_summary(
                self._run_row(runs, wave, now),
                [servers[sid] for sid in wave["source_server_ids"] if sid in servers],
                now,
            )
            for wave in self.waves
        ]
        databases = [self._run_row(runs, db, now) for db in self.databases]
        report = render_report(waves, databases)
        self.log.info("Campaign summary:\n%s", report)
        summary = {"waves": waves, "databases": databases, "report": report}
        ti = context["ti"]
        ti.xcom_push(key=CAMPAIGN_REPORT_KEY, value=report)
        unfinished = [row["name"] for row in waves + databases if row["state"] != "success"]
        if unfinished:
            ti.xcom_push(key="return_value", value=summary)
            raise AirflowFailException(f"not finished: {', '.join(unfinished)} (summary above)")
        return summary
