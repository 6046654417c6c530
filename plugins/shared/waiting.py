"""How the project's operators and sensors wait: the defaults of the provider's waiting parameters, and
the keyword arguments a task hands to its trigger when it defers."""

from __future__ import annotations

from typing import Any

# Every 30 s for up to 2 hours, unless the task says otherwise (the DAG builders pass the plan's values).
WAITER_DELAY = 30
WAITER_MAX_ATTEMPTS = 240


def trigger_kwargs(task: Any) -> dict[str, Any]:
    """The waiter and connection arguments of an AWS task (AwsBaseOperator/AwsBaseSensor with
    ``waiter_delay``/``waiter_max_attempts``), as an ``AwsBaseWaiterTrigger`` takes them."""
    return {
        "waiter_delay": int(task.waiter_delay),
        "waiter_max_attempts": int(task.waiter_max_attempts),
        "aws_conn_id": task.aws_conn_id,
        "region_name": task.region_name,
        "verify": task.verify,
        "botocore_config": task.botocore_config,
    }
