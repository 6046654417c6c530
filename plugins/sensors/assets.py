"""Wait until an Airflow Asset has an event: a wave waits for the cutover of the databases it uses.

The database DAG marks its cutover task with the asset as an outlet; the wave's sensor declares it as an
inlet and reads its events through the task SDK (tasks have no metadata-database access in Airflow 3).
Reschedule mode: the wait can last days and must not hold a worker slot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import BaseSensorOperator

if TYPE_CHECKING:
    from airflow.sdk import Asset, Context


class AssetEventSensor(BaseSensorOperator):
    """Succeeds once every asset in ``assets`` has at least one event; returns their latest events' extras."""

    def __init__(self, *, assets: list[Asset], **kwargs: Any) -> None:
        kwargs.setdefault("mode", "reschedule")
        kwargs.setdefault("poke_interval", 60)
        super().__init__(inlets=list(assets), **kwargs)
        self.assets = list(assets)

    def poke(self, context: Context) -> bool | Any:
        from airflow.providers.common.compat.sdk import PokeReturnValue

        latest: dict[str, Any] = {}
        waiting = []
        for asset in self.assets:
            events = list(context["inlet_events"][asset].ascending(False).limit(1))
            if events:
                latest[asset.name] = {
                    "timestamp": str(events[0].timestamp),
                    "extra": dict(events[0].extra or {}),
                }
            else:
                waiting.append(asset.name)
        if waiting:
            self.log.info("Waiting for %s (done: %s)", waiting, sorted(latest))
            return False
        return PokeReturnValue(is_done=True, xcom_value=latest)
