"""A database (`databases:`): its DMS endpoints, replication instance, table mappings, validation, cutover
criteria and address switch, and cleanup."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import model_validator
from shared.aws_values import DMS_MIGRATION_TYPES, one_of

from migration_plan import defaults as D
from migration_plan.fields import (
    NAME_EXPECTED,
    NAME_PATTERN,
    TTL_EXPECTED,
    Engine,
    F,
    MigrationType,
    RecordTtl,
    RoleArn,
    SecretArn,
    StrictModel,
    ZoneId,
)


class Endpoint(StrictModel):
    engine: Engine = F(expected="a DMS engine name (sqlite is sandbox-only)")
    host: str | None = F(None, expected="the database server's host name or address", min_length=1)
    port: int | None = F(None, expected="a TCP port; defaults to the engine's usual port", ge=1, le=65535)
    database: str = F(expected="the database name (for sqlite: the database file path)", min_length=1)
    secret_arn: SecretArn | None = F(
        None,
        expected="an AWS Secrets Manager secret ARN holding the credentials",
        fix="store the credentials in Secrets Manager and give its ARN; never a literal password",
    )
    secrets_access_role_arn: RoleArn | None = F(
        None, expected="the IAM role ARN that lets DMS read secret_arn (SecretsManagerAccessRoleArn)"
    )
    conn_id: str | None = F(
        None, expected="the id of an Airflow connection holding the credentials", min_length=1
    )
    extra_connection_attributes: str | None = F(
        None, expected="DMS extra connection attributes, key=value;key=value"
    )
    holds_data: bool = F(False, expected="true when the target already holds data that must not be dropped")

    @model_validator(mode="after")
    def _credentials(self) -> Endpoint:
        if self.engine == "sqlite":
            return self
        if self.host is None:
            raise ValueError(f"engine {self.engine} needs a host")
        if self.secret_arn is None and self.conn_id is None:
            raise ValueError(
                "no credentials: give secret_arn (a Secrets Manager secret) or conn_id (an Airflow connection)"
            )
        if self.secret_arn is not None and self.conn_id is not None:
            raise ValueError("give only one of secret_arn or conn_id: which credentials win would be unclear")
        return self

    @property
    def effective_port(self) -> int | None:
        return self.port if self.port is not None else D.ENDPOINT_PORTS.get(self.engine)


class ReplicationInstance(StrictModel):
    identifier: str | None = F(
        None,
        expected="the replication instance identifier; defaults to '<plan>-<database>'",
        pattern=r"^[A-Za-z][A-Za-z0-9-]{0,62}$",
    )
    instance_class: str = F(
        D.REPLICATION_INSTANCE["instance_class"],
        expected="a DMS instance class such as dms.t3.medium or dms.c5.large",
        pattern=r"^dms\.[a-z0-9]+\.[a-z0-9]+$",
    )
    allocated_storage_gb: int = F(
        D.REPLICATION_INSTANCE["allocated_storage_gb"], expected="storage in GB (5-6144)", ge=5, le=6144
    )
    multi_az: bool = F(D.REPLICATION_INSTANCE["multi_az"], expected="true or false")


class TableMappings(StrictModel):
    """DMS table mappings, inline (`rules:`) or in a JSON file; the DMS rule format is checked in dms_format.py."""

    file: str | None = F(
        None,
        expected="a JSON file of DMS table mappings, relative to the plan file (e.g. ../mappings/orders.json)",
        min_length=1,
    )
    rules: list[dict[str, Any]] | None = F(None, expected="a list of DMS table-mapping rules")

    @model_validator(mode="after")
    def _exactly_one(self) -> TableMappings:
        if (self.file is None) == (self.rules is None):
            raise ValueError("give exactly one of file (a JSON file of rules) or rules (inline)")
        return self


class GxExpectation(StrictModel):
    table: str = F(expected="the table (as named on the target) the expectation checks", min_length=1)
    expectation: str = F(
        expected="a Great Expectations expectation name such as expect_column_values_to_not_be_null",
        pattern=r"^expect_[a-z0-9_]+$",
    )
    kwargs: dict[str, Any] = F({}, expected="the expectation's arguments, e.g. {column: id}")


class GreatExpectations(StrictModel):
    enabled: bool = F(D.GREAT_EXPECTATIONS["enabled"], expected="true or false")
    row_count_match: bool = F(
        D.GREAT_EXPECTATIONS["row_count_match"], expected="true to compare row counts source vs target"
    )
    expectations: list[GxExpectation] = F([], expected="extra expectations run on the target")
    sql_checks: list[SqlCheck] = F([], expected="SQL checks run on the target: each returns its failing rows")


class SqlCheck(StrictModel):
    table: str = F(expected="the table (as named on the target) the check runs on", min_length=1)
    name: str = F(expected="a short name shown in the results", min_length=1)
    query: str = F(
        expected="SQL returning the rows that are wrong, with {batch} for the table, e.g. "
        "SELECT * FROM {batch} WHERE total < 0",
        pattern=r"(?i)^\s*(select|with)\b.*\{batch\}",
    )


class Validation(StrictModel):
    dms_validation: bool = F(
        D.VALIDATION["dms_validation"], expected="true to run DMS row-level validation (recommended)"
    )
    great_expectations: GreatExpectations = F(GreatExpectations(), expected="Great Expectations checks")


class DatabaseDnsRecord(StrictModel):
    zone_id: ZoneId = F(expected="the Route 53 hosted zone id")
    name: str = F(expected="the record name the application connects to", min_length=1)
    type: Literal["CNAME", "A"] = F("CNAME", expected="CNAME (to the target's host name) or A (an address)")
    ttl: RecordTtl = F(60, expected=TTL_EXPECTED)


class AddressSwitch(StrictModel):
    """Where the application reads its database address; switched from source to target at cutover."""

    route53: DatabaseDnsRecord | None = F(None, expected="a Route 53 record (zone_id, name, type, ttl)")
    secret_arn: SecretArn | None = F(None, expected="a Secrets Manager secret whose JSON holds the address")
    address_key: str = F("host", expected="the JSON key of secret_arn holding the address", min_length=1)
    ssm_parameter: str | None = F(
        None, expected="an SSM parameter name holding the address", pattern=r"^/?[A-Za-z0-9_.\-/]{1,1011}$"
    )
    value: str | None = F(None, expected="the new address; defaults to the target's host", min_length=1)

    @model_validator(mode="after")
    def _exactly_one(self) -> AddressSwitch:
        given = [n for n in ("route53", "secret_arn", "ssm_parameter") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of route53, secret_arn or ssm_parameter")
        return self


class Cutover(StrictModel):
    max_cdc_lag_seconds: int = F(
        D.CUTOVER["max_cdc_lag_seconds"], expected="the CDC lag (seconds) under which cutover may go on", ge=0
    )
    source_read_only: bool = F(
        D.CUTOVER["source_read_only"], expected="true to put the source in read-only mode before cutover"
    )
    downtime_budget_seconds: int = F(
        D.CUTOVER["downtime_budget_seconds"], expected="the downtime (seconds) the business accepts", ge=1
    )
    lag_datapoints: int = F(
        3,
        expected="how many consecutive CloudWatch datapoints both CDC latencies must stay under the limit",
        ge=1,
        le=60,
    )
    lag_period_seconds: int = F(
        60,
        expected="the CloudWatch period (seconds) of those datapoints: 60, or 1/5/10/30 for high resolution",
        ge=1,
    )
    read_only_users: list[str] = F(
        [],
        expected="the application's database users whose writes stop at cutover (MySQL/MariaDB: required "
        "with source_read_only, as MySQL has no per-database read-only switch)",
    )
    address_switch: AddressSwitch | None = F(
        None, expected="where the application's database address is switched at cutover"
    )


class Cleanup(StrictModel):
    delete_task: bool = F(D.CLEANUP["delete_task"], expected="true or false")
    delete_endpoints: bool = F(D.CLEANUP["delete_endpoints"], expected="true or false")
    delete_replication_instance: bool = F(D.CLEANUP["delete_replication_instance"], expected="true or false")


class Database(StrictModel):
    name: str = F(expected=NAME_EXPECTED, pattern=NAME_PATTERN)
    description: str = F("", expected="free text shown in the database DAG's documentation")
    migration_type: MigrationType = F(expected=one_of(DMS_MIGRATION_TYPES))
    source: Endpoint = F(expected="the source endpoint (engine, host, port, database, credentials)")
    target: Endpoint = F(expected="the target endpoint (engine, host, port, database, credentials)")
    size_gb: float | None = F(None, expected="the source database size in GB (cost and storage lint)", gt=0)
    has_lob_columns: bool | None = F(
        None, expected="whether the source has LOB columns (TEXT, BLOB, CLOB, bytea...); unknown when absent"
    )
    replication_instance: ReplicationInstance = F(
        ReplicationInstance(), expected="the DMS replication instance (instance_class, allocated_storage_gb)"
    )
    table_mappings: TableMappings = F(expected="DMS table mappings: file or rules")
    task_settings: dict[str, Any] = F(
        {}, expected="DMS task settings JSON (its own keys, e.g. FullLoadSettings)"
    )
    validation: Validation = F(Validation(), expected="validation settings")
    cutover: Cutover = F(Cutover(), expected="cutover criteria")
    cleanup: Cleanup = F(Cleanup(), expected="what to delete after the migration")
    approvers: list[str] | None = F(None, expected="Airflow user ids; when absent the plan's approvers")
    expected_duration_days: int = F(
        D.DATABASE["expected_duration_days"],
        expected="days the replication instance runs (for the cost estimate)",
        ge=0,
        le=3650,
    )

    @model_validator(mode="after")
    def _read_only(self) -> Database:
        problem = check_read_only(self)
        if problem:
            raise ValueError(problem)
        return self


READ_ONLY_ENGINES = {"postgres", "aurora-postgresql", "mysql", "mariadb", "aurora", "sqlite"}


def check_read_only(database: Database) -> str | None:
    """Why the plan's read-only step cannot work for this source engine, or None."""
    if not database.cutover.source_read_only:
        return None
    engine = database.source.engine
    if engine not in READ_ONLY_ENGINES:
        return f"source_read_only is not supported for {engine} sources: set it to false"
    if engine in ("mysql", "mariadb", "aurora") and not database.cutover.read_only_users:
        return (
            f"source_read_only on {engine} needs cutover.read_only_users: MySQL has no per-database "
            "read-only switch, so the application users' write privileges are revoked"
        )
    return None
