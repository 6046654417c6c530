"""Route 53: read one record set, change record sets (thin)."""

from __future__ import annotations

from typing import Any

from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

from hooks.aws_common import StandardRetriesMixin, explain_aws_errors


def fqdn(name: str) -> str:
    """Route 53 answers names lower-case with a trailing dot."""
    return name.strip().lower().rstrip(".") + "."


class Route53Hook(StandardRetriesMixin, AwsBaseHook):
    """boto3 ``route53`` client; its official waiter ``resource_record_sets_changed`` waits for INSYNC."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["client_type"] = "route53"
        super().__init__(*args, **kwargs)

    def get_record_set(self, hosted_zone_id: str, name: str, record_type: str) -> dict[str, Any] | None:
        """The record set ``name``/``record_type`` (simple routing), or None when it does not exist."""
        with explain_aws_errors(self.aws_conn_id, "route53:ListResourceRecordSets"):
            response = self.conn.list_resource_record_sets(
                HostedZoneId=hosted_zone_id,
                StartRecordName=fqdn(name),
                StartRecordType=record_type,
                MaxItems="1",
            )
        for record in response.get("ResourceRecordSets", []):
            if fqdn(record["Name"].replace("\\052", "*")) == fqdn(name) and record["Type"] == record_type:
                return record
        return None

    def change_resource_record_sets(
        self, hosted_zone_id: str, changes: list[dict[str, Any]], comment: str = ""
    ) -> dict[str, Any]:
        """Apply ``changes`` atomically; returns the ChangeInfo (Id, Status)."""
        with explain_aws_errors(self.aws_conn_id, "route53:ChangeResourceRecordSets"):
            return self.conn.change_resource_record_sets(
                HostedZoneId=hosted_zone_id, ChangeBatch={"Comment": comment, "Changes": changes}
            )["ChangeInfo"]
