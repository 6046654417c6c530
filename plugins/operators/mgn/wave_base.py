"""The base of every MGN wave operator: the wave as ``source_server_ids``, described in one call, and its
console links."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.providers.amazon.aws.operators.base_aws import AwsBaseOperator
from airflow.providers.amazon.aws.utils.mixins import aws_template_fields
from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException
from hooks.mgn import MgnHook
from links.mgn import MgnJobLink, MgnSourceServersLink, MgnWaveLink
from mgn_checks.ids import as_id_list
from shared.retry import with_retry_defaults

if TYPE_CHECKING:
    from airflow.sdk import Context

# StartTest/StartCutover/TerminateTargetInstances and the DescribeSourceServers filter take 1..200 IDs.
MAX_WAVE_SIZE = 200


def lifecycle_state(server: dict[str, Any]) -> str:
    return server.get("lifeCycle", {}).get("state", "UNKNOWN")


class MgnWaveOperator(AwsBaseOperator[MgnHook]):
    """Base for operators acting on a wave of MGN source servers."""

    aws_hook_class = MgnHook
    template_fields: Sequence[str] = aws_template_fields("source_server_ids")
    operator_extra_links: ClassVar[tuple] = (MgnSourceServersLink(),)

    def __init__(self, *, source_server_ids: list[str], **kwargs: Any) -> None:
        super().__init__(**with_retry_defaults(kwargs))
        self.source_server_ids = source_server_ids

    def describe_wave(self) -> dict[str, dict[str, Any]]:
        """The wave's servers by ID, in plan order; an ID MGN does not return is an error, not a skip."""
        ids = as_id_list(self.source_server_ids)
        if not ids:
            raise AirflowFailException(
                "source_server_ids is empty: a wave needs at least one MGN source server"
            )
        if len(ids) > MAX_WAVE_SIZE:
            raise AirflowFailException(
                f"{len(ids)} servers in one wave: MGN's launch and describe calls take at most {MAX_WAVE_SIZE}; "
                "split the wave in the plan."
            )
        found = {s["sourceServerID"]: s for s in self.hook.describe_source_servers(ids)}
        missing = [i for i in ids if i not in found]
        if missing:
            raise AirflowException(
                f"MGN source servers not found: {missing} (wrong region or account? archived or deleted?)"
            )
        return {i: found[i] for i in ids}

    def persist_links(self, context: Context, **link_values: Any) -> None:
        kwargs = {"region_name": self.hook.conn_region_name, "aws_partition": self.hook.conn_partition}
        MgnSourceServersLink.persist(context=context, operator=self, **kwargs)
        if "job_id" in link_values:
            MgnJobLink.persist(context=context, operator=self, job_id=link_values["job_id"], **kwargs)
        if "wave_id" in link_values:
            MgnWaveLink.persist(context=context, operator=self, wave_id=link_values["wave_id"], **kwargs)
