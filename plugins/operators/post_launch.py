"""Post-launch validation of a wave's launched (test or cutover) instances."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from airflow.providers.amazon.aws.operators.base_aws import AwsBaseOperator
from airflow.providers.amazon.aws.utils.mixins import aws_template_fields
from airflow.providers.common.compat.sdk import AirflowException
from hooks.ec2 import Ec2ClientHook
from hooks.mgn import MgnHook
from mgn_checks.ids import as_id_list
from mgn_checks.post_launch import (
    CheckResult,
    http_probe,
    parity_probe,
    results_markdown,
    substitute,
    tcp_probe,
    with_retries,
)
from shared.retry import with_retry_defaults
from shared.xcom import VALIDATION_REPORT_KEY, VALIDATION_RESULTS_KEY

if TYPE_CHECKING:
    from airflow.sdk import Context


def source_address(server: dict[str, Any]) -> str | None:
    """The source server's primary IP as its agent reported it."""
    nics = server.get("sourceProperties", {}).get("networkInterfaces", [])
    for nic in sorted(nics, key=lambda n: not n.get("isPrimary")):
        if nic.get("ips"):
            return nic["ips"][0]
    return None


class MgnPostLaunchValidationOperator(AwsBaseOperator[MgnHook]):
    """
    Check every launched instance of a wave and return the results table (one row per server and check:
    ``server, check, target, ok, detail``). The table also goes to XCom key ``validation_results`` (and as
    Markdown for an approval gate's body to ``validation_report``) before the task fails, so a gate or a
    report can show it either way. Fails when a check fails unless ``report_only``.

    The instance's address comes from EC2 (``launchedInstance.ec2InstanceID`` -> PrivateIpAddress).

    :param source_server_ids: the wave's source server IDs.
    :param http_checks: ``[{"url": "http://{ip}:8080/health", "expected_status": 200}]``; ``{ip}`` becomes
        the instance's IP.
    :param tcp_checks: ``[{"port": 22}]`` (``host`` defaults to the instance's IP).
    :param parity_checks: ``[{"url": "http://{ip}:8080/files/index.html"}]``: fetched with ``{ip}`` = the source
        address and = the instance's IP; the sha256 must match.
    :param server_checks: per server ID, extra ``http_checks``/``tcp_checks``/``parity_checks`` and a
        ``source_address`` overriding the one MGN reports.
    :param check_attempts: tries per check (pause ``check_delay`` s, doubling, capped at 30 s). Not named
        ``retries``/``retry_delay``: those are the Airflow task's own.
    :param report_only: never fail, only report.
    """

    aws_hook_class = MgnHook
    template_fields: Sequence[str] = aws_template_fields(
        "source_server_ids", "http_checks", "tcp_checks", "parity_checks", "server_checks"
    )

    def __init__(
        self,
        *,
        source_server_ids: list[str],
        http_checks: list[dict[str, Any]] | None = None,
        tcp_checks: list[dict[str, Any]] | None = None,
        parity_checks: list[dict[str, Any]] | None = None,
        server_checks: dict[str, dict[str, Any]] | None = None,
        check_attempts: int = 5,
        check_delay: float = 2.0,
        request_timeout: float = 5.0,
        report_only: bool = False,
        max_workers: int = 8,
        **kwargs: Any,
    ) -> None:
        super().__init__(**with_retry_defaults(kwargs))
        self.source_server_ids = source_server_ids
        self.http_checks = http_checks or []
        self.tcp_checks = tcp_checks or []
        self.parity_checks = parity_checks or []
        self.server_checks = server_checks or {}
        self.check_attempts = check_attempts
        self.check_delay = check_delay
        self.request_timeout = request_timeout
        self.report_only = report_only
        self.max_workers = max_workers

    def execute(self, context: Context) -> list[dict[str, Any]]:
        ids = as_id_list(self.source_server_ids)
        servers = {s["sourceServerID"]: s for s in self.hook.describe_source_servers(ids)}
        instance_ids = {
            sid: (s.get("launchedInstance") or {}).get("ec2InstanceID") for sid, s in servers.items()
        }
        ec2 = Ec2ClientHook(**self._hook_parameters)
        instances = ec2.describe_instances([i for i in instance_ids.values() if i])
        with ThreadPoolExecutor(max_workers=max(1, self.max_workers)) as pool:
            rows = [
                row.as_dict()
                for table in pool.map(
                    lambda sid: self._check_server(
                        sid, servers.get(sid), instances.get(instance_ids.get(sid) or "")
                    ),
                    ids,
                )
                for row in table
            ]
        context["ti"].xcom_push(key=VALIDATION_RESULTS_KEY, value=rows)
        context["ti"].xcom_push(key=VALIDATION_REPORT_KEY, value=results_markdown(rows))
        self._log_table(rows)
        failed = [r for r in rows if not r["ok"]]
        if failed and not self.report_only:
            raise AirflowException(
                f"{len(failed)} of {len(rows)} post-launch checks failed: "
                + "; ".join(f"{r['server']} {r['check']} {r['target']}: {r['detail']}" for r in failed)
            )
        return rows

    def _check_server(
        self, sid: str, server: dict[str, Any] | None, instance: dict[str, Any] | None
    ) -> list[CheckResult]:
        if server is None:
            return [CheckResult(sid, "instance", "-", False, "source server not found in MGN")]
        ip = (instance or {}).get("PrivateIpAddress")
        if not ip:
            detail = (
                "no launched instance" if instance is None else "instance has no private IP (terminated?)"
            )
            return [CheckResult(sid, "instance", str((instance or {}).get("InstanceId", "-")), False, detail)]
        extra = self.server_checks.get(sid, {})
        rows = [CheckResult(sid, "instance", instance["InstanceId"], True, f"private IP {ip}")]
        attempts, delay, timeout = (
            int(self.check_attempts),
            float(self.check_delay),
            float(self.request_timeout),
        )
        for check in [*self.http_checks, *extra.get("http_checks", [])]:
            url, expected = substitute(check["url"], ip), int(check.get("expected_status", 200))
            ok, detail = with_retries(http_probe(url, expected, timeout), attempts, delay)
            rows.append(CheckResult(sid, "http", url, ok, detail))
        for check in [*self.tcp_checks, *extra.get("tcp_checks", [])]:
            host, port = substitute(check.get("host", "{ip}"), ip), int(check["port"])
            ok, detail = with_retries(tcp_probe(host, port, timeout), attempts, delay)
            rows.append(CheckResult(sid, "tcp", f"{host}:{port}", ok, detail))
        source_ip = extra.get("source_address") or source_address(server)
        for check in [*self.parity_checks, *extra.get("parity_checks", [])]:
            target = substitute(check["url"], ip)
            if not source_ip:
                rows.append(CheckResult(sid, "parity", target, False, "no source address known"))
                continue
            probe = parity_probe(substitute(check["url"], source_ip), target, timeout)
            ok, detail = with_retries(probe, attempts, delay)
            rows.append(CheckResult(sid, "parity", target, ok, detail))
        return rows

    def _log_table(self, rows: list[dict[str, Any]]) -> None:
        lines = [f"{'server':<20} {'check':<8} {'ok':<5} {'target':<50} detail"]
        lines += [
            f"{r['server']:<20} {r['check']:<8} {'yes' if r['ok'] else 'NO':<5} {r['target']:<50} {r['detail']}"
            for r in rows
        ]
        self.log.info("Post-launch validation:\n%s", "\n".join(lines))
