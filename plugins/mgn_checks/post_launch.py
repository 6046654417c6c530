"""Post-launch checks of one launched instance: HTTP health, TCP ports, content parity with its source."""

from __future__ import annotations

import hashlib
import socket
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import requests


@dataclass
class CheckResult:
    """One row of the results table (what goes to XCom and into the approval gate's evidence)."""

    server: str
    check: str
    target: str
    ok: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def with_retries(probe: Callable[[], tuple[bool, str]], attempts: int, delay: float) -> tuple[bool, str]:
    """
    Run ``probe`` until it passes, at most ``attempts`` times, doubling the pause (capped at 30 s).

    A freshly launched instance boots for a while: the first refusals say little, the last one is the answer.
    """
    ok, detail = False, "not run"
    for attempt in range(max(1, attempts)):
        if attempt:
            time.sleep(min(delay * 2 ** (attempt - 1), 30))
        try:
            ok, detail = probe()
        except Exception as err:  # a probe failing is a result, never a crash of the whole table
            ok, detail = False, f"{type(err).__name__}: {err}"
        if ok:
            return ok, detail if attempt == 0 else f"{detail} (attempt {attempt + 1})"
    return ok, f"{detail} (after {max(1, attempts)} attempts)"


def substitute(template: str, ip: str) -> str:
    return template.replace("{ip}", ip)


def http_probe(url: str, expected_status: int, timeout: float) -> Callable[[], tuple[bool, str]]:
    def probe() -> tuple[bool, str]:
        response = requests.get(url, timeout=timeout, allow_redirects=False)
        return (
            response.status_code == expected_status,
            f"HTTP {response.status_code} (expected {expected_status})",
        )

    return probe


def tcp_probe(host: str, port: int, timeout: float) -> Callable[[], tuple[bool, str]]:
    def probe() -> tuple[bool, str]:
        with socket.create_connection((host, port), timeout=timeout):
            return True, "port open"

    return probe


def sha256_of(url: str, timeout: float) -> str:
    response = requests.get(url, timeout=timeout)
    response.raise_for_status()
    return hashlib.sha256(response.content).hexdigest()


def parity_probe(source_url: str, target_url: str, timeout: float) -> Callable[[], tuple[bool, str]]:
    """The same path from the source server and from the launched instance: equal sha256 or not."""

    def probe() -> tuple[bool, str]:
        source, target = sha256_of(source_url, timeout), sha256_of(target_url, timeout)
        if source == target:
            return True, f"sha256 {target[:16]}... matches the source"
        return False, f"sha256 differs: source {source[:16]}..., instance {target[:16]}..."

    return probe


def results_markdown(rows: list[dict[str, Any]]) -> str:
    """The results table as Markdown, for an approval gate's body (HITL renders Markdown)."""
    failed = sum(1 for r in rows if not r["ok"])
    lines = [
        f"**{len(rows) - failed} of {len(rows)} checks passed**" + (f", {failed} failed" if failed else ""),
        "",
        "| server | check | target | ok | detail |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['server']} | {r['check']} | `{r['target']}` | {'yes' if r['ok'] else '**NO**'} | "
        f"{str(r['detail']).replace('|', '/')} |"
        for r in rows
    ]
    return "\n".join(lines)
