"""
Database cutover steps: the source read-only and writable again, the application's address switched and
switched back (a Secrets Manager secret's key, or an SSM parameter; Route 53 records use operators.dns).

The switch writes the original address next to the value before changing it (the secret gets a key
``<key>__before_cutover``, the parameter a sibling ``<name>.before-cutover``), so a retry after the switch
still knows the original, and the revert works without the switch's XCom. Every step is idempotent.
The downtime is measured from the read-only step's ``at`` to the switch's ``at`` (epoch seconds).
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowException, BaseOperator

if TYPE_CHECKING:
    from airflow.sdk import Context

from shared.retry import with_retry_defaults


def _aws(op: Any) -> dict[str, Any]:
    return {"aws_conn_id": op.aws_conn_id, "region_name": op.region_name}


class SourceReadOnlyOperator(BaseOperator):
    """Stop writes on the source (``read_only=True``) or allow them again (False); see hooks.read_only."""

    template_fields: Sequence[str] = ("source", "users")

    def __init__(
        self,
        *,
        source: dict[str, Any],
        users: list[str] | None = None,
        read_only: bool = True,
        aws_conn_id: str | None = "aws_default",
        region_name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**with_retry_defaults(kwargs))
        self.source, self.users, self.read_only = source, users or [], read_only
        self.aws_conn_id, self.region_name = aws_conn_id, region_name

    def execute(self, context: Context) -> dict[str, Any]:
        from hooks.databases import DatabaseAddress
        from hooks.read_only import set_read_only

        done = set_read_only(DatabaseAddress.from_dict(self.source), _aws(self), self.users, self.read_only)
        self.log.info("Source %s: %s.", self.source.get("database"), done)
        return {"read_only": self.read_only, "done": done, "at": time.time()}


class _AddressStore:
    """Where an address lives: a secret's JSON key or an SSM parameter."""

    def __init__(self, op: Any) -> None:
        self.op = op

    def _secret_hook(self) -> Any:
        from airflow.providers.amazon.aws.hooks.secrets_manager import SecretsManagerHook

        return SecretsManagerHook(**_aws(self.op))

    def _ssm(self) -> Any:
        from airflow.providers.amazon.aws.hooks.ssm import SsmHook

        return SsmHook(**_aws(self.op)).conn

    def read(self) -> tuple[str | None, str | None]:
        """(current address, recorded original or None)."""
        op = self.op
        if op.secret_arn:
            data = self._secret_hook().get_secret_as_dict(op.secret_arn)
            return data.get(op.secret_key), data.get(f"{op.secret_key}__before_cutover")
        ssm = self._ssm()
        current = ssm.get_parameter(Name=op.ssm_parameter)["Parameter"]["Value"]
        try:
            original = ssm.get_parameter(Name=f"{op.ssm_parameter}.before-cutover")["Parameter"]["Value"]
        except ssm.exceptions.ParameterNotFound:
            original = None
        return current, original

    def write(self, value: str, original: str | None) -> None:
        """Set the address; ``original`` is recorded beside it (None: the record is removed)."""
        op = self.op
        if op.secret_arn:
            hook = self._secret_hook()
            data = hook.get_secret_as_dict(op.secret_arn)
            data[op.secret_key] = value
            marker = f"{op.secret_key}__before_cutover"
            if original is None:
                data.pop(marker, None)
            else:
                data[marker] = original
            hook.conn.put_secret_value(SecretId=op.secret_arn, SecretString=json.dumps(data))
            return
        ssm = self._ssm()
        marker = f"{op.ssm_parameter}.before-cutover"
        if original is None:
            with contextlib.suppress(ssm.exceptions.ParameterNotFound):
                ssm.delete_parameter(Name=marker)
        else:
            ssm.put_parameter(Name=marker, Value=original, Type="String", Overwrite=True)
        ssm.put_parameter(Name=op.ssm_parameter, Value=value, Overwrite=True)


class SwitchDatabaseAddressOperator(BaseOperator):
    """
    Point the application's database address at ``value`` (the target); ``revert=True`` puts the recorded
    original back (nothing to do when it was never switched). Exactly one of ``secret_arn`` (with
    ``secret_key``, default ``host``) or ``ssm_parameter``.

    :return: ``{"kind", "name", "value", "original", "changed", "at"}``.
    """

    template_fields: Sequence[str] = ("value", "secret_arn", "ssm_parameter")

    def __init__(
        self,
        *,
        value: str | None = None,
        secret_arn: str | None = None,
        secret_key: str = "host",
        ssm_parameter: str | None = None,
        revert: bool = False,
        aws_conn_id: str | None = "aws_default",
        region_name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**with_retry_defaults(kwargs))
        if (secret_arn is None) == (ssm_parameter is None):
            raise ValueError("give exactly one of secret_arn or ssm_parameter")
        if not revert and not value:
            raise ValueError("value (the new address) is required to switch")
        self.value, self.secret_arn, self.secret_key = value, secret_arn, secret_key
        self.ssm_parameter, self.revert = ssm_parameter, revert
        self.aws_conn_id, self.region_name = aws_conn_id, region_name

    def execute(self, context: Context) -> dict[str, Any]:
        store = _AddressStore(self)
        current, original = store.read()
        kind, name = ("secret", self.secret_arn) if self.secret_arn else ("ssm_parameter", self.ssm_parameter)
        result = {"kind": kind, "name": name, "original": original, "changed": False}
        if self.revert:
            if original is None:
                self.log.info("%s %s was never switched: left at %s.", kind, name, current)
                return {**result, "value": current, "at": time.time()}
            store.write(original, None)
            self.log.info("%s %s switched back to %s.", kind, name, original)
            return {**result, "value": original, "changed": True, "at": time.time()}
        if current == self.value:
            self.log.info("%s %s already points at %s.", kind, name, self.value)
            return {**result, "value": self.value, "at": time.time()}
        if original is None:
            original = current
        elif current != original:
            raise AirflowException(f"{kind} {name} holds {current!r}: neither the original nor the target")
        store.write(self.value, original)
        self.log.info("%s %s: %s -> %s.", kind, name, original, self.value)
        return {**result, "value": self.value, "original": original, "changed": True, "at": time.time()}
