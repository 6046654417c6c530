"""A wave of servers (`waves:`): each server's MGN launch settings, DNS record and health checks."""

from __future__ import annotations

from typing import Literal

from shared.aws_values import MGN_LAUNCH_DISPOSITION, MGN_RIGHT_SIZING, ROUTE53_SWITCHED_TYPES, one_of

from migration_plan import defaults as D
from migration_plan.fields import (
    NAME_EXPECTED,
    NAME_PATTERN,
    TTL_EXPECTED,
    F,
    RecordTtl,
    SourceServerId,
    StrictModel,
    ZoneId,
)


class LaunchSettings(StrictModel):
    """MGN launch configuration of one server (UpdateLaunchConfiguration)."""

    right_sizing: Literal[MGN_RIGHT_SIZING] = F(
        D.LAUNCH["right_sizing"],
        expected=f"{one_of(MGN_RIGHT_SIZING)} (targetInstanceTypeRightSizingMethod)",
    )
    copy_private_ip: bool = F(D.LAUNCH["copy_private_ip"], expected="true or false")
    copy_tags: bool = F(D.LAUNCH["copy_tags"], expected="true or false")
    byol: bool = F(D.LAUNCH["byol"], expected="true to bring your own OS licence (licensing.osByol)")
    launch_disposition: Literal[MGN_LAUNCH_DISPOSITION] = F(
        D.LAUNCH["launch_disposition"], expected=one_of(MGN_LAUNCH_DISPOSITION)
    )


class DnsRecord(StrictModel):
    zone_id: ZoneId = F(
        expected="a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ",
        fix="find it with `aws route53 list-hosted-zones`",
    )
    name: str = F(
        expected="the record's fully qualified name, e.g. web-01.internal.example.com",
        max_length=253,
        pattern=r"^([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\.?$",
    )
    ttl: RecordTtl = F(D.DNS["ttl"], expected=TTL_EXPECTED)
    type: Literal[ROUTE53_SWITCHED_TYPES] = F(
        D.DNS["type"], expected="A (the record points at the instance's IPv4 address)"
    )


class HttpCheck(StrictModel):
    url: str = F(
        expected="an http(s) URL; {ip} stands for the address of the server being checked",
        fix="e.g. url: 'http://{ip}:8080/health'",
        pattern=r"^https?://\S+$",
    )
    expected_status: int = F(D.HTTP_CHECK["expected_status"], expected="an HTTP status code", ge=100, le=599)


class TcpCheck(StrictModel):
    port: int = F(expected="a TCP port between 1 and 65535", ge=1, le=65535)


class ContentMatch(StrictModel):
    url: str = F(
        expected="an http(s) URL containing {ip}: fetched from the source and from the launched instance",
        fix="e.g. url: 'http://{ip}:8080/files/index.html'",
        pattern=r"^https?://\S*\{ip\}\S*$",
    )


class HealthChecks(StrictModel):
    http: list[HttpCheck] = F([], expected="a list of HTTP checks (url, expected_status)")
    tcp: list[TcpCheck] = F([], expected="a list of TCP checks (port)")
    content_match: list[ContentMatch] = F([], expected="a list of URLs whose content must match (url)")

    def is_empty(self) -> bool:
        return not (self.http or self.tcp or self.content_match)


class Server(StrictModel):
    hostname: str = F(
        expected="the source server's host name",
        pattern=r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$",
    )
    source_server_id: SourceServerId = F(
        expected="an MGN source server id: 's-' followed by 17 letters or digits",
        fix="copy it from the MGN console or `aws mgn describe-source-servers`",
    )
    source_ip: str | None = F(
        None,
        expected="the source server's IPv4 address (used for content checks and DNS rollback)",
        pattern=r"^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)$",
    )
    os: Literal["linux", "windows"] | None = F(None, expected="linux or windows")
    disk_gb: float | None = F(None, expected="the total disk size in GB (used for cost and lint)", gt=0)
    launch: LaunchSettings = F(LaunchSettings(), expected="launch settings")
    dns: DnsRecord | None = F(None, expected="the Route 53 record to switch at cutover (zone_id, name, ttl)")
    health_checks: HealthChecks | None = F(
        None, expected="health checks for this server; when absent the wave's health_checks apply"
    )


class Wave(StrictModel):
    name: str = F(expected=NAME_EXPECTED, pattern=NAME_PATTERN)
    description: str = F("", expected="free text shown in the wave DAG's documentation")
    servers: list[Server] = F(
        expected="a non-empty list of servers (hostname, source_server_id, ...)", min_length=1
    )
    health_checks: HealthChecks = F(HealthChecks(), expected="health checks for every server of the wave")
    depends_on_databases: list[str] = F(
        [], expected="names of databases (under databases:) whose cutover this wave waits for"
    )
    approvers: list[str] | None = F(None, expected="Airflow user ids; when absent the plan's approvers")
    max_replication_lag_seconds: int = F(
        D.WAVE["max_replication_lag_seconds"],
        expected="the largest replication lag (seconds) at which a server counts as ready",
        ge=0,
    )
    finalize: bool = F(D.WAVE["finalize"], expected="true to finalize the cutover in MGN (stops replication)")
    archive: bool = F(D.WAVE["archive"], expected="true to archive the source servers after finalizing")
    expected_replication_days: int = F(
        D.WAVE["expected_replication_days"],
        expected="days the servers replicate before cutover (for the cost estimate)",
        ge=0,
        le=3650,
    )

    def effective_health_checks(self, server: Server) -> HealthChecks:
        return server.health_checks if server.health_checks is not None else self.health_checks
