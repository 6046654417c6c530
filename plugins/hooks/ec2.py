"""EC2 for the migration: the launched instances' addresses (the provider's EC2Hook as a client)."""

from __future__ import annotations

from typing import Any

from airflow.providers.amazon.aws.hooks.ec2 import EC2Hook

from hooks.aws_common import StandardRetriesMixin, explain_aws_errors


class Ec2ClientHook(StandardRetriesMixin, EC2Hook):
    """The provider's EC2Hook on the boto3 client, with the project's default retries and error messages."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("client_type", *args, **kwargs)

    def describe_instances(self, instance_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Instances by ID, one call for all of them."""
        if not instance_ids:
            return {}
        with explain_aws_errors(self.aws_conn_id, "ec2:DescribeInstances"):
            pages = self.conn.get_paginator("describe_instances").paginate(InstanceIds=list(instance_ids))
            return {
                instance["InstanceId"]: instance
                for page in pages
                for reservation in page["Reservations"]
                for instance in reservation["Instances"]
            }
