"""AssetEventSensor: a wave waits until every database it uses has emitted its cutover Asset event."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from airflow.providers.common.compat.sdk import PokeReturnValue
from airflow.sdk import Asset
from sensors.assets import AssetEventSensor

ORDERS = Asset(name="p.orders.cutover", uri="migration://p/orders/cutover")
USERS = Asset(name="p.users.cutover", uri="migration://p/users/cutover")
WHEN = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


class _Events:
    """What ``context["inlet_events"][asset]`` offers a task: newest first, then a limit."""

    def __init__(self, events: list[Any]) -> None:
        self.events = events
        self.calls: list[tuple[str, Any]] = []

    def ascending(self, value: bool) -> _Events:
        self.calls.append(("ascending", value))
        return self

    def limit(self, count: int) -> list[Any]:
        self.calls.append(("limit", count))
        return self.events[:count]


def _context(**events: list[Any]) -> dict[str, Any]:
    by_asset = {ORDERS: _Events(events.get("orders", [])), USERS: _Events(events.get("users", []))}
    return {"inlet_events": by_asset}


def test_waits_in_reschedule_mode_with_the_assets_as_inlets():
    sensor = AssetEventSensor(task_id="wait_for_databases", assets=[ORDERS, USERS])
    assert sensor.mode == "reschedule"  # days of waiting must not hold a worker slot
    assert sensor.poke_interval == 60
    assert sensor.inlets == [ORDERS, USERS]
    assert AssetEventSensor(task_id="t", assets=[ORDERS], mode="poke", poke_interval=5).mode == "poke"


def test_not_done_while_one_asset_has_no_event():
    sensor = AssetEventSensor(task_id="t", assets=[ORDERS, USERS])
    context = _context(orders=[SimpleNamespace(timestamp=WHEN, extra={"downtime_s": 12})])
    assert sensor.poke(context) is False


def test_done_with_the_latest_event_of_every_asset():
    sensor = AssetEventSensor(task_id="t", assets=[ORDERS, USERS])
    newest = SimpleNamespace(timestamp=WHEN, extra={"downtime_s": 12})
    context = _context(
        orders=[newest, SimpleNamespace(timestamp=WHEN, extra={"old": 1})],
        users=[SimpleNamespace(timestamp=WHEN, extra=None)],
    )
    result = sensor.poke(context)
    assert isinstance(result, PokeReturnValue) and result.is_done
    assert result.xcom_value == {
        "p.orders.cutover": {"timestamp": str(WHEN), "extra": {"downtime_s": 12}},
        "p.users.cutover": {"timestamp": str(WHEN), "extra": {}},
    }
    assert context["inlet_events"][ORDERS].calls == [("ascending", False), ("limit", 1)]
