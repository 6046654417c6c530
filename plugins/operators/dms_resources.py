"""
DMS resources around a task: the replication instance, the two endpoints, their connection tests.

Each operator describes first: an existing instance or endpoint with the plan's identifier is reused (an
endpoint with other settings is an error, never silently replaced), and deletes skip what is already gone.
Endpoint credentials are a Secrets Manager secret (+ the role DMS reads it with) or an Airflow connection
read at execute time; the password goes to CreateEndpoint and nowhere else (not logged, not in XCom).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.providers.amazon.aws.utils.mixins import aws_template_fields
from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException
from botocore.exceptions import ClientError
from hooks.dms import ENDPOINT, INSTANCE, connection_filters
from links.dms import DmsEndpointsLink, DmsReplicationInstanceLink

from operators.dms_base import DmsBaseOperator, DmsDeleteOperator, Wait, client_error_code

if TYPE_CHECKING:
    from airflow.sdk import Context

# Which CreateEndpoint settings member carries SecretsManagerSecretId for an engine.
SECRET_SETTINGS = {
    "postgres": "PostgreSQLSettings",
    "aurora-postgresql": "PostgreSQLSettings",
    "mysql": "MySQLSettings",
    "mariadb": "MySQLSettings",
    "aurora": "MySQLSettings",
    "oracle": "OracleSettings",
    "sqlserver": "MicrosoftSQLServerSettings",
}


class DmsReplicationInstanceOperator(DmsBaseOperator):
    """
    Create the replication instance ``identifier``, or reuse it when it exists; wait until ``available``.

    :return: the instance ARN.
    """

    template_fields: Sequence[str] = aws_template_fields("identifier", "instance_class")
    operator_extra_links: ClassVar[tuple] = (DmsReplicationInstanceLink(),)

    def __init__(
        self,
        *,
        identifier: str,
        instance_class: str = "dms.t3.medium",
        allocated_storage_gb: int = 50,
        multi_az: bool = False,
        create_kwargs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.identifier = identifier
        self.instance_class = instance_class
        self.allocated_storage_gb = allocated_storage_gb
        self.multi_az = multi_az
        self.create_kwargs = create_kwargs or {}

    def execute(self, context: Context) -> str:
        self.persist_instance_link(context, self.identifier.lower())
        instance = self.hook.describe_replication_instance(self.identifier)
        if instance is None:
            instance = self.hook.create_replication_instance(
                self.identifier,
                self.instance_class,
                AllocatedStorage=int(self.allocated_storage_gb),
                MultiAZ=bool(self.multi_az),
                **self.create_kwargs,
            )
            self.log.info("Created replication instance %s.", self.identifier)
        else:
            status = instance["ReplicationInstanceStatus"]
            if status == "deleting":
                raise AirflowException(
                    f"replication instance {self.identifier} is being deleted: wait until it is gone, then retry"
                )
            if instance["ReplicationInstanceClass"] != self.instance_class:
                self.log.warning(
                    "Reusing replication instance %s of class %s (the plan says %s; not modified).",
                    self.identifier,
                    instance["ReplicationInstanceClass"],
                    self.instance_class,
                )
            self.log.info("Reusing replication instance %s (%s).", self.identifier, status)
        arn = instance["ReplicationInstanceArn"]
        return self.wait(
            Wait(
                "replication_instance_available",
                {"Filters": [{"Name": "replication-instance-arn", "Values": [arn]}]},
                f"DMS replication instance {self.identifier}",
                ["ReplicationInstances[0].ReplicationInstanceStatus"],
                arn,
            )
        )


class DmsDeleteReplicationInstanceOperator(DmsDeleteOperator):
    """Delete the replication instance ``identifier`` and wait until it is gone; gone already is fine."""

    resource, kind = INSTANCE, "replication instance"


def _endpoint_secret(endpoint: dict[str, Any]) -> str | None:
    for key in set(SECRET_SETTINGS.values()):
        if (endpoint.get(key) or {}).get("SecretsManagerSecretId"):
            return endpoint[key]["SecretsManagerSecretId"]
    return None


def endpoint_differences(existing: dict[str, Any], members: dict[str, Any]) -> list[str]:
    """The members an existing endpoint holds differently from the plan (credentials compared by source)."""
    differ = [
        key
        for key in ("EngineName", "EndpointType", "DatabaseName", "ServerName", "Port")
        if key in members and str(existing.get(key, "")).lower() != str(members[key]).lower()
    ]
    wanted_secret = _endpoint_secret(members)
    if wanted_secret != _endpoint_secret(existing):
        differ.append("SecretsManagerSecretId")
    if not wanted_secret and "Username" in members and existing.get("Username") != members["Username"]:
        differ.append("Username")
    return differ


class DmsEndpointOperator(DmsBaseOperator):
    """
    Create the endpoint ``identifier`` from the plan, or reuse it when it exists with the same settings.

    Credentials: ``secret_arn`` (+ ``secrets_access_role_arn``), or ``conn_id`` (an Airflow connection whose
    login/password are passed to CreateEndpoint at execute time), or none for the sandbox's sqlite engine.
    An existing endpoint with other settings fails the task: delete it or give the plan another name.

    :return: the endpoint ARN.
    """

    template_fields: Sequence[str] = aws_template_fields("identifier", "host", "database")
    operator_extra_links: ClassVar[tuple] = (DmsEndpointsLink(),)

    def __init__(
        self,
        *,
        identifier: str,
        endpoint_type: str,
        engine: str,
        database: str,
        host: str | None = None,
        port: int | None = None,
        secret_arn: str | None = None,
        secrets_access_role_arn: str | None = None,
        conn_id: str | None = None,
        extra_connection_attributes: str | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("wait_for_completion", False)
        super().__init__(**kwargs)
        if secret_arn and conn_id:
            raise ValueError("give only one of secret_arn or conn_id")
        self.identifier = identifier
        self.endpoint_type = endpoint_type
        self.engine = engine
        self.database = database
        self.host = host
        self.port = port
        self.secret_arn = secret_arn
        self.secrets_access_role_arn = secrets_access_role_arn
        self.conn_id = conn_id
        self.extra_connection_attributes = extra_connection_attributes

    def stated_members(self) -> dict[str, Any]:
        """CreateEndpoint's members from the operator's values: a secret-backed or credential-less (sqlite)
        endpoint, or the address part of a connection-backed one."""
        members: dict[str, Any] = {
            "EndpointIdentifier": self.identifier,
            "EndpointType": self.endpoint_type,
            "EngineName": self.engine,
            "DatabaseName": self.database,
        }
        if self.extra_connection_attributes:
            members["ExtraConnectionAttributes"] = self.extra_connection_attributes
        if self.secret_arn:
            if self.engine not in SECRET_SETTINGS:
                raise AirflowFailException(f"engine {self.engine} takes no Secrets Manager secret in DMS")
            settings = {"SecretsManagerSecretId": self.secret_arn}
            if self.secrets_access_role_arn:
                settings["SecretsManagerAccessRoleArn"] = self.secrets_access_role_arn
            members[SECRET_SETTINGS[self.engine]] = settings
        else:
            members.update({k: v for k, v in (("ServerName", self.host), ("Port", self.port)) if v})
        return members

    def members(self) -> dict[str, Any]:
        """Every CreateEndpoint member; a connection's login and password are read here, at execute time."""
        members = self.stated_members()
        if self.conn_id:
            from airflow.providers.common.compat.sdk import BaseHook

            conn = BaseHook.get_connection(self.conn_id)
            members.update(
                {
                    k: v
                    for k, v in (
                        ("ServerName", self.host or conn.host),
                        ("Port", self.port or conn.port),
                        ("Username", conn.login),
                        ("Password", conn.password),
                    )
                    if v
                }
            )
        return members

    def execute(self, context: Context) -> str:
        self.persist_endpoints_link(context)
        members = self.members()
        existing = self.hook.describe_endpoint(self.identifier)
        if existing is not None:
            differ = endpoint_differences(existing, members)
            if differ:
                raise AirflowFailException(
                    f"DMS endpoint {self.identifier} exists with other settings ({', '.join(differ)}): delete it "
                    "or give the database another name in the plan; it is not replaced automatically"
                )
            self.log.info("Reusing DMS endpoint %s.", self.identifier)
            return existing["EndpointArn"]
        endpoint = self.hook.create_endpoint(**members)
        self.log.info("Created DMS %s endpoint %s (%s).", self.endpoint_type, self.identifier, self.engine)
        return endpoint["EndpointArn"]


class DmsDeleteEndpointOperator(DmsDeleteOperator):
    """Delete the endpoint ``identifier`` and wait until it is gone; gone already is fine."""

    resource, kind = ENDPOINT, "endpoint"


class DmsTestConnectionsOperator(DmsBaseOperator):
    """
    Test the connection from the replication instance to each endpoint (both at once), wait until every
    test is ``successful``; a failed test fails the task with DMS's message for that endpoint.

    :return: the endpoint ARNs.
    """

    template_fields: Sequence[str] = aws_template_fields("replication_instance_arn", "endpoint_arns")

    def __init__(self, *, replication_instance_arn: str, endpoint_arns: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.replication_instance_arn = replication_instance_arn
        self.endpoint_arns = endpoint_arns

    def execute(self, context: Context) -> list[str]:
        arns = list(self.endpoint_arns)
        for arn in arns:
            current = self.hook.describe_connection(self.replication_instance_arn, arn)
            if current and current.get("Status") == "testing":
                self.log.info("A connection test of %s is already running: waiting for it.", arn)
                continue
            try:
                self.hook.test_connection(self.replication_instance_arn, arn)
            except ClientError as error:
                if client_error_code(error) != "InvalidResourceStateFault":
                    raise
                self.log.info("DMS is already testing %s: waiting for it.", arn)
        filters = connection_filters(self.replication_instance_arn, arns[0])
        filters[0]["Values"] = arns
        return self.wait(
            Wait(
                "test_connection_succeeds",
                {"Filters": filters},
                "DMS connection tests",
                ["Connections[].[EndpointIdentifier, Status]"],
                arns,
            )
        )

    def explain_failure(self, value: Any) -> str:
        failed = []
        for arn in self.endpoint_arns:
            conn = self.hook.describe_connection(self.replication_instance_arn, arn) or {}
            if conn.get("Status") == "failed":
                failed.append(f"{conn.get('EndpointIdentifier', arn)}: {conn.get('LastFailureMessage', '')}")
        return (" (" + "; ".join(failed) + ")") if failed else ""
