from __future__ import annotations

import pytest
from mgn_checks.replication import evaluate_replication, parse_iso8601_duration

from tests.unit.plugins.conftest import server, sid


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("PT2M30S", 150),
        ("PT0S", 0),
        ("PT0.5S", 0.5),
        ("P1DT2H", 93600),
        ("PT1H", 3600),
        ("P1W", 604800),
        ("pt3s", 3),
    ],
)
def test_parse_durations(text, seconds):
    assert parse_iso8601_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "P", "PT", "2M", "P1M", "P1Y", "PT1X", "150"])
def test_reject_non_durations(text):
    with pytest.raises(ValueError, match="ISO-8601"):
        parse_iso8601_duration(text)


def test_laggards_blocked_and_missing_are_told_apart():
    servers = [
        server(1, lag="PT10S"),
        server(2, lag="PT2M30S"),
        server(3, replication="BACKLOG", lag=None),
        server(
            4,
            replication="STALLED",
            dataReplicationInfo={
                "dataReplicationState": "STALLED",
                "dataReplicationError": {"error": "NOT_CONVERGING"},
            },
        ),
    ]
    report = evaluate_replication(servers, [sid(1), sid(2), sid(3), sid(4), sid(5)], max_lag_seconds=60)
    assert report.ready == [sid(1)]
    assert report.laggards == [
        f"{sid(2)} (host2) state=CONTINUOUS lag=PT2M30S (150s)",
        f"{sid(3)} (host3) state=BACKLOG lag=unknown",
    ]
    assert report.blocked == [f"{sid(4)} (host4) state=STALLED error=NOT_CONVERGING"]
    assert report.missing == [sid(5)]
    assert not report.all_ready
    assert "lagging" in report.summary() and "not found" in report.summary()


def test_all_ready_under_threshold():
    report = evaluate_replication([server(1), server(2, lag="PT59S")], [sid(1), sid(2)], max_lag_seconds=60)
    assert report.all_ready and report.ready == [sid(1), sid(2)]
