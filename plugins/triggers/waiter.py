"""What a project trigger hands to the provider's ``AwsBaseWaiterTrigger``, built in one place."""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True)
class Wait:
    """The waiter a trigger runs and how it logs it: the provider's waiter parameters, named as it names them."""

    waiter_name: str
    waiter_args: dict[str, Any]
    failure_message: str
    status_message: str
    status_queries: list[str]
    waiter_config_overrides: dict[str, Any] | None = None

    def arguments(self, fields: dict[str, Any], returns: str, **waiting: Any) -> dict[str, Any]:
        """The keyword arguments of ``AwsBaseWaiterTrigger.__init__``: ``fields`` (the subclass's own
        constructor arguments) serialized as they are, the event carrying ``fields[returns]`` under the key
        ``returns``, and ``waiting`` (``waiter_delay``, ``waiter_max_attempts`` and the connection arguments
        of ``shared.waiting.trigger_kwargs``) passed on unchanged."""
        wait = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return {
            "serialized_fields": fields,
            **wait,
            "return_key": returns,
            "return_value": fields[returns],
            **waiting,
        }
