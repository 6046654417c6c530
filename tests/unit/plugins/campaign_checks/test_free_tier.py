"""A server's MGN free period: 90 days from lifeCycle.firstByteDateTime, stopped by the finalized cutover."""

from __future__ import annotations

from datetime import UTC, datetime

from campaign_checks.free_tier import free_period

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _server(first_byte=None, finalized=None, archived=False) -> dict:
    life: dict = {"state": "CUTOVER" if finalized else "READY_FOR_TEST"}
    if first_byte:
        life["firstByteDateTime"] = first_byte
        life["addedToServiceDateTime"] = "2026-01-01T00:00:00+00:00"  # the agent's install: not the start
    if finalized:
        life["lastCutover"] = {"finalized": {"apiCallDateTime": finalized}}
    return {"sourceServerID": "s-00000000000000001", "lifeCycle": life, "isArchived": archived}


def test_days_count_from_the_first_replicated_byte():
    row = free_period(_server("2026-11-01T12:00:00+00:00"), NOW)
    assert row["days_used"] == 30 and row["free_days_left"] == 60
    assert row["replication_started"] == "2026-11-01T12:00:00+00:00" and row["replication_stopped"] is None


def test_a_finalized_server_stops_the_clock():
    row = free_period(_server("2026-08-01T12:00:00Z", finalized="2026-08-11T12:00:00Z", archived=True), NOW)
    assert row["days_used"] == 10 and row["free_days_left"] == 80 and row["archived"] is True


def test_past_the_free_period_the_days_left_go_negative():
    assert free_period(_server("2026-08-01T12:00:00+00:00"), NOW)["free_days_left"] == -32


def test_a_server_not_replicating_yet_has_all_its_days():
    row = free_period(_server(), NOW)
    assert row["days_used"] is None and row["free_days_left"] == 90
