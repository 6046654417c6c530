"""The campaign summary's lines and report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from campaign_checks.runs import Attempt
from campaign_checks.summary import render_report, run_summary, wave_summary

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_a_finished_run_reports_its_state_attempts_and_minutes():
    details = {
        "state": "success",
        "start_date": NOW - timedelta(minutes=90),
        "end_date": NOW - timedelta(minutes=6),
    }
    row = run_summary("web", Attempt(2, "campaign__try2", "success"), details, False, NOW)
    assert row["state"] == "success" and row["attempts"] == 2 and row["minutes"] == 84
    assert row["run_id"] == "campaign__try2"


def test_a_running_run_counts_its_minutes_until_now_and_a_missing_one_is_not_started():
    running = {"state": "running", "start_date": NOW - timedelta(minutes=3), "end_date": None}
    assert run_summary("web", Attempt(1, "campaign__try1", "running"), running, False, NOW)["minutes"] == 3
    assert run_summary("db", Attempt(), None, False, NOW)["state"] == "not started"
    elsewhere = run_summary("db", Attempt(), None, True, NOW)
    assert elsewhere["state"] == "success" and "outside" in elsewhere["note"]


def test_a_wave_line_counts_archived_servers_and_the_fewest_free_days():
    servers = [
        {
            "sourceServerID": "s-1",
            "isArchived": True,
            "lifeCycle": {"firstByteDateTime": "2026-11-21T12:00:00Z"},
        },
        {
            "sourceServerID": "s-2",
            "isArchived": False,
            "lifeCycle": {"firstByteDateTime": "2026-11-01T12:00:00Z"},
        },
    ]
    row = wave_summary(run_summary("web", Attempt(), None, False, NOW), servers, NOW)
    assert (row["servers"], row["archived"], row["min_free_days_left"]) == (2, 1, 60)
    report = render_report([row], [run_summary("orders", Attempt(), None, False, NOW)])
    assert "| web | not started | 0 | - | 1/2 | 60.0 |" in report
    assert "| s-2 | web | 2026-11-01T12:00:00+00:00 | - | 30.0 | 60.0 |" in report
    assert "| orders | not started | 0 | - |" in report
