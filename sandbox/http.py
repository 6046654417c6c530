"""The tiny request/response pair every project-owned service handles (MGN here, DMS in sandbox/dms).

Services never see WSGI or werkzeug: they get a `SandboxRequest` and return a `SandboxResponse`, which
keeps them testable without a server and lets the router apply faults and logging in one place.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import Headers


@dataclass
class SandboxRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Headers  # case-insensitive: headers.get("x-amz-target")
    body: bytes
    region: str
    account_id: str
    service: str = ""

    def json(self) -> Any:
        """The body parsed as JSON ({} when empty); raises ValueError on malformed JSON."""
        if not self.body.strip():
            return {}
        return json.loads(self.body)

    @classmethod
    def build(
        cls,
        method: str,
        path: str,
        body: bytes | str | dict = b"",
        *,
        headers: Mapping[str, str] | None = None,
        query: dict[str, list[str]] | None = None,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        service: str = "",
    ) -> SandboxRequest:
        """Convenience constructor for unit tests of a service."""
        if isinstance(body, dict):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        return cls(method, path, query or {}, Headers(dict(headers or {})), body, region, account_id, service)


@dataclass
class SandboxResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @classmethod
    def json(
        cls,
        status: int,
        payload: Any,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> SandboxResponse:
        merged = {"Content-Type": content_type}
        merged.update(headers or {})
        return cls(status, merged, json.dumps(payload, separators=(",", ":")).encode())

    def parsed(self) -> Any:
        return json.loads(self.body) if self.body else None
