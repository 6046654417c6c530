"""
Route 53: switch a server's record to its cutover instance, and revert it to the recorded original.

The original value must survive retries: once the switch has happened, the record itself no longer tells
what it was (and Airflow clears a task's XCom when it retries). So the switch writes it, in the same atomic
change batch, into a TXT marker record ``_mgn-original.<name>``; a retry that finds the record already
switched reads the marker. The revert restores from XCom or, failing that, from the marker, and deletes the
marker. After a successful migration the marker stays as the record of what the name pointed to.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow.providers.amazon.aws.operators.base_aws import AwsBaseOperator
from airflow.providers.amazon.aws.utils.mixins import aws_template_fields
from airflow.providers.amazon.aws.utils.waiter_with_logging import wait
from airflow.providers.common.compat.sdk import AirflowException
from hooks.ec2 import Ec2ClientHook
from hooks.mgn import MgnHook
from hooks.route53 import Route53Hook, fqdn
from shared.retry import with_retry_defaults

if TYPE_CHECKING:
    from airflow.sdk import Context

MARKER_PREFIX = "_mgn-original."


def marker_name(record_name: str) -> str:
    return MARKER_PREFIX + fqdn(record_name)


def _values(record: dict[str, Any] | None) -> list[str]:
    return sorted(r["Value"] for r in (record or {}).get("ResourceRecords", []))


def _record(name: str, record_type: str, ttl: int, values: list[str]) -> dict[str, Any]:
    return {
        "Name": fqdn(name),
        "Type": record_type,
        "TTL": int(ttl),
        "ResourceRecords": [{"Value": v} for v in values],
    }


def _encode_original(original: dict[str, Any]) -> str:
    return '"' + json.dumps(original, separators=(",", ":")).replace('"', '\\"') + '"'


def _decode_original(marker: dict[str, Any] | None) -> dict[str, Any] | None:
    if not marker or not marker.get("ResourceRecords"):
        return None
    text = marker["ResourceRecords"][0]["Value"]
    return json.loads(text[1:-1].replace('\\"', '"'))


class _Route53Operator(AwsBaseOperator[Route53Hook]):
    aws_hook_class = Route53Hook

    def __init__(
        self,
        *,
        hosted_zone_id: str,
        record_name: str,
        record_type: str = "A",
        wait_for_completion: bool = True,
        waiter_delay: int = 10,
        waiter_max_attempts: int = 60,
        **kwargs: Any,
    ) -> None:
        super().__init__(**with_retry_defaults(kwargs))
        self.hosted_zone_id = hosted_zone_id
        self.record_name = record_name
        self.record_type = record_type
        self.wait_for_completion = wait_for_completion
        self.waiter_delay = waiter_delay
        self.waiter_max_attempts = waiter_max_attempts

    def apply(self, changes: list[dict[str, Any]], comment: str) -> str:
        change = self.hook.change_resource_record_sets(self.hosted_zone_id, changes, comment)
        if self.wait_for_completion:
            wait(
                waiter=self.hook.get_waiter("resource_record_sets_changed"),
                waiter_delay=int(self.waiter_delay),
                waiter_max_attempts=int(self.waiter_max_attempts),
                args={"Id": change["Id"]},
                failure_message=f"Route 53 change {change['Id']} failed",
                status_message=f"Route 53 change {change['Id']}",
                status_args=["ChangeInfo.Status"],
            )
        return change["Id"]

    def marker(self) -> dict[str, Any] | None:
        return self.hook.get_record_set(self.hosted_zone_id, marker_name(self.record_name), "TXT")


class Route53SwitchRecordOperator(_Route53Operator):
    """
    Point ``record_name`` at the cutover instance (UPSERT, TTL from ``ttl``) and wait for INSYNC.

    The target is ``value`` or, with ``source_server_id``, the private IP of that server's launched instance
    (MGN -> EC2). Returns ``{hosted_zone_id, record_name, record_type, ttl, value, original, change_id}``
    where ``original`` is ``{"values": [...], "ttl": n}`` (empty values: the record did not exist) for the
    revert operator. Nothing changes when the record already holds the target.
    """

    template_fields: Sequence[str] = aws_template_fields(
        "hosted_zone_id", "record_name", "record_type", "ttl", "value", "source_server_id"
    )

    def __init__(
        self, *, ttl: int = 60, value: str | None = None, source_server_id: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if (value is None) == (source_server_id is None):
            raise ValueError("give exactly one of value, source_server_id")
        self.ttl = ttl
        self.value = value
        self.source_server_id = source_server_id

    def target_value(self) -> str:
        if self.value:
            return self.value
        params = self._hook_parameters
        servers = MgnHook(**params).describe_source_servers([self.source_server_id])
        instance_id = ((servers[0] if servers else {}).get("launchedInstance") or {}).get("ec2InstanceID")
        if not instance_id:
            raise AirflowException(
                f"Source server {self.source_server_id} has no launched instance to point at"
            )
        ip = (
            Ec2ClientHook(**params)
            .describe_instances([instance_id])
            .get(instance_id, {})
            .get("PrivateIpAddress")
        )
        if not ip:
            raise AirflowException(f"Instance {instance_id} of {self.source_server_id} has no private IP")
        return ip

    def execute(self, context: Context) -> dict[str, Any]:
        target = self.target_value()
        current = self.hook.get_record_set(self.hosted_zone_id, self.record_name, self.record_type)
        already = _values(current) == [target]
        # Before the switch the record is the original; after it (a retry) only the marker remembers it.
        original = (
            _decode_original(self.marker())
            if already
            else {"values": _values(current), "ttl": (current or {}).get("TTL")}
        )
        result = {
            "hosted_zone_id": self.hosted_zone_id,
            "record_name": fqdn(self.record_name),
            "record_type": self.record_type,
            "ttl": int(self.ttl),
            "value": target,
            "original": original,
            "change_id": None,
        }
        if already and original is None:
            self.log.warning(
                "%s already pointed at %s before this task: original unknown.", self.record_name, target
            )
        if already and current and current.get("TTL") == int(self.ttl):
            self.log.info("%s %s already %s: no change.", self.record_name, self.record_type, target)
            return result
        record = _record(self.record_name, self.record_type, self.ttl, [target])
        changes = [{"Action": "UPSERT", "ResourceRecordSet": record}]
        if not already:
            marker = {
                "Name": marker_name(self.record_name),
                "Type": "TXT",
                "TTL": 300,
                "ResourceRecords": [{"Value": _encode_original(original)}],
            }
            changes.append({"Action": "UPSERT", "ResourceRecordSet": marker})
        result["change_id"] = self.apply(changes, f"migration cutover of {self.record_name} to {target}")
        self.log.info(
            "%s %s: %s -> %s (TTL %s).", self.record_name, self.record_type, original, target, self.ttl
        )
        return result


class Route53RevertRecordOperator(_Route53Operator):
    """
    Restore ``record_name`` to the value recorded by the switch (delete it if it did not exist before).

    ``original`` is the switch's XCom ``original`` (dict, or its JSON/str form from a template); when absent
    the TXT marker written by the switch is used. Nothing changes when the record already holds it.
    Returns the change ID, or None.
    """

    template_fields: Sequence[str] = aws_template_fields(
        "hosted_zone_id", "record_name", "record_type", "original"
    )

    def __init__(self, *, original: dict[str, Any] | str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.original = original

    def recorded_original(self, marker: dict[str, Any] | None) -> dict[str, Any]:
        original = self.original
        if isinstance(original, str) and original.strip() and original.strip() != "None":
            try:
                original = json.loads(original)
            except ValueError:
                original = ast.literal_eval(original)
        if not original:
            original = _decode_original(marker)
        if not original or "values" not in original:
            raise AirflowException(
                f"No recorded original for {self.record_name}: pass the switch task's XCom 'original', or "
                "restore the record by hand (the switch's log names the value it replaced)."
            )
        return original

    def execute(self, context: Context) -> str | None:
        marker = self.marker()
        original = self.recorded_original(marker)
        current = self.hook.get_record_set(self.hosted_zone_id, self.record_name, self.record_type)
        changes: list[dict[str, Any]] = []
        wanted = sorted(original["values"])
        if not wanted and current:
            changes.append({"Action": "DELETE", "ResourceRecordSet": current})
        elif wanted and (_values(current) != wanted or (current or {}).get("TTL") != original.get("ttl")):
            ttl = original.get("ttl") or 300
            changes.append(
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": _record(self.record_name, self.record_type, ttl, wanted),
                }
            )
        if marker:
            changes.append({"Action": "DELETE", "ResourceRecordSet": marker})
        if not changes:
            self.log.info(
                "%s %s already at its original %s: no change.", self.record_name, self.record_type, wanted
            )
            return None
        change_id = self.apply(changes, f"migration rollback of {self.record_name}")
        self.log.info("%s %s restored to %s.", self.record_name, self.record_type, wanted or "(deleted)")
        return change_id
