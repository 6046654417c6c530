"""A fuzz campaign against a running sandbox: random and boundary inputs from botocore's input shapes for
every implemented MGN and DMS operation, plus malformed bodies, encodings and signatures.

Loopback only: requests go to the sandbox's own address, and DMS endpoint members that would make the
sandbox connect somewhere (ServerName, Port, DatabaseName) are pinned to 127.0.0.1, a closed port and files
in a scratch folder. A finding is a 5xx answer or an error type the service's protocol does not declare.

    campaign = Campaign(endpoint_url, scratch_dir, seed=1, known_ids={...})
    campaign.run(seconds=30)
    campaign.findings, campaign.sent, campaign.statuses
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import string
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import botocore.session
from botocore.model import OperationModel, Shape

from sandbox.api.protocols import Json11, RestJson
from sandbox.dms.service import DmsService
from sandbox.mgn.service import MgnService

_SESSION = botocore.session.get_session()
MODELS = {name: _SESSION.get_service_model(name) for name in ("mgn", "dms")}
DECLARED = {
    "mgn": RestJson(MODELS["mgn"]).declared_errors,
    "dms": Json11(MODELS["dms"]).declared_errors,
}
OPERATIONS = {"mgn": MgnService.implemented_operations_of(), "dms": DmsService.implemented_operations_of()}
WEIRD_TEXT = ["", " ", "\x00", "é" * 3, "💥", "%", "../../x", "a" * 300, "-1", "NaN", "null", "{}", "<x/>"]
# DMS members that make the sandbox connect to something: pinned so the campaign stays on loopback
_PINNED = {"ServerName": "127.0.0.1", "Port": 1}


@dataclass
class Finding:
    what: str
    status: int
    error_type: str
    request: str

    def __str__(self) -> str:
        return f"{self.status} {self.error_type or '-'}: {self.what}: {self.request[:300]}"


class Values:
    """Random and boundary values for a botocore shape; `ids` are real resource ids to reach deeper."""

    def __init__(self, rng: random.Random, ids: list[str], scratch: Path) -> None:
        self.rng, self.ids, self.scratch = rng, ids, scratch

    def of(self, shape: Shape, depth: int = 0, name: str = "") -> Any:
        if self.rng.random() < 0.03:
            return self.wrong_type(shape)
        make: Callable[[Shape, int, str], Any] = getattr(self, f"_{shape.type_name}", self._unknown)
        return make(shape, depth, name)

    def wrong_type(self, shape: Shape) -> Any:
        choices: list[Any] = [None, 0, -1, 1.5, True, "x", [], {}, [1], {"a": 1}]
        return self.rng.choice([c for c in choices if type(c).__name__ != shape.type_name])

    def _structure(self, shape: Shape, depth: int, name: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if depth > 6:
            return out
        for member_name, member in shape.members.items():
            wanted = member_name in shape.required_members or self.rng.random() < 0.4
            if self.rng.random() < 0.03:
                wanted = not wanted  # a required member left out, now and then
            if wanted:
                out[member_name] = self.of(member, depth + 1, member_name)
        if self.rng.random() < 0.05:
            out[self.rng.choice(["bogus", "Extra", "__proto__", "sourceServerId"])] = 1
        return out

    def _list(self, shape: Shape, depth: int, name: str) -> list[Any]:
        low, high = shape.metadata.get("min", 0), min(shape.metadata.get("max", 4), 4)
        count = self.rng.choice([low, max(low - 1, 0), high, self.rng.randint(0, 4)])
        return [self.of(shape.member, depth + 1, name) for _ in range(count)]

    def _map(self, shape: Shape, depth: int, name: str) -> dict[str, Any]:
        return {
            str(self.of(shape.key, depth + 1)): self.of(shape.value, depth + 1)
            for _ in range(self.rng.randint(0, 3))
        }

    def _string(self, shape: Shape, depth: int, name: str) -> str:
        rng = self.rng
        if shape.enum and rng.random() < 0.7:
            return rng.choice(shape.enum)
        if self.ids and rng.random() < 0.35:
            return rng.choice(self.ids)
        if name == "DatabaseName":
            return str(self.scratch / f"db-{rng.randint(0, 20)}.sqlite")
        low, high = shape.metadata.get("min", 0), shape.metadata.get("max", 64)
        length = rng.choice(
            [low, high, max(low - 1, 0), min(high + 1, 2000), rng.randint(low, min(high, 64))]
        )
        if rng.random() < 0.15:
            return rng.choice(WEIRD_TEXT)
        alphabet = string.ascii_letters + string.digits + "-_./:%é "
        return "".join(rng.choice(alphabet) for _ in range(min(length, 2000)))

    def _integer(self, shape: Shape, depth: int, name: str) -> int:
        low, high = shape.metadata.get("min", -(2**31)), shape.metadata.get("max", 2**31)
        return self.rng.choice([low, high, low - 1, high + 1, 0, -1, 1, 20, 100, 2**63, -(2**63), 10**30])

    _long = _integer

    def _double(self, shape: Shape, depth: int, name: str) -> float:
        return self.rng.choice([0.0, -1.5, 1e308, 5e-324, 3.14])

    _float = _double

    def _boolean(self, shape: Shape, depth: int, name: str) -> bool:
        return self.rng.random() < 0.5

    def _timestamp(self, shape: Shape, depth: int, name: str) -> Any:
        return self.rng.choice([0, 1e12, -1, "2026-01-01T00:00:00Z", "2026-02-30T00:00:00Z", "yesterday"])

    def _blob(self, shape: Shape, depth: int, name: str) -> str:
        return self.rng.choice(["", "AAAA", "!!notbase64"])

    def _unknown(self, shape: Shape, depth: int, name: str) -> Any:
        return None


def _pin(body: Any) -> Any:
    """Keep DMS connection members on loopback, wherever they are nested."""
    if isinstance(body, dict):
        return {k: _PINNED[k] if k in _PINNED else _pin(v) for k, v in body.items()}
    if isinstance(body, list):
        return [_pin(v) for v in body]
    return body


@dataclass
class Request:
    service: str
    what: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    may_drop: bool = False  # announces more body than it sends: the server may answer 413 and reset

    def describe(self) -> str:
        return f"{self.method} {self.path} {self.headers.get('X-Amz-Target', '')} {self.body[:200]!r}"


def _scope(service: str, region: str = "us-east-1") -> str:
    return (
        f"AWS4-HMAC-SHA256 Credential=AKIDFUZZ/20260101/{region}/{service}/aws4_request, "
        "SignedHeaders=host, Signature=0"
    )


def operation_request(service: str, op: OperationModel, body: Any) -> Request:
    raw = json.dumps(body, allow_nan=True).encode()
    if service == "dms":
        headers = {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"AmazonDMSv20160101.{op.name}",
        }
        return Request(service, op.name, "POST", "/", {"Authorization": _scope("dms"), **headers}, raw)
    path, method = op.http["requestUri"], op.http["method"]
    if "{resourceArn}" in path:
        arn = body.pop("resourceArn", "") if isinstance(body, dict) else ""
        path = path.replace("{resourceArn}", quote(str(arn), safe="") or "x")
        keys = body.pop("tagKeys", None) if isinstance(body, dict) else None
        if method == "DELETE" and isinstance(keys, list):
            path += "?" + "&".join(f"tagKeys={quote(str(k), safe='')}" for k in keys)
        raw = json.dumps(body).encode() if method == "POST" else b""
    headers = {"Authorization": _scope("mgn"), "Content-Type": "application/json"}
    return Request(service, op.name, method, path, headers, raw)


MALFORMED_BODIES: list[bytes] = [
    b"{",
    b"[]",
    b"null",
    b'"text"',
    b"{" * 5000,
    b'{"a":' * 1200 + b"1" + b"}" * 1200,
    b'{"maxResults": NaN}',
    b'{"MaxRecords": Infinity}',
    b"\xff\xfe\x00{",
    '{"x": "é"}'.encode("utf-16"),
    b'{"nextToken": "eyJvZmZzZXQiOiAxZTk5OX0="}',  # {"offset": 1e999}
    b'{"nextToken": "eyJvZmZzZXQiOiAtMX0="}',  # {"offset": -1}
    b'{"Marker": "1e9"}',
    b'{"Marker": "99999999999999999999"}',
    b'{"MaxRecords": -5}',
]


class Campaign:
    def __init__(
        self, endpoint_url: str, scratch: Path, seed: int = 0, known_ids: list[str] | None = None
    ) -> None:
        parts = urlsplit(endpoint_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        assert self.host in ("127.0.0.1", "localhost"), "the campaign talks to a loopback sandbox only"
        self.rng = random.Random(seed)
        self.values = Values(self.rng, list(known_ids or []), scratch)
        self.findings: list[Finding] = []
        self.statuses: Counter[int] = Counter()
        self.kinds: Counter[str] = Counter()
        self.sent = 0

    # generation ------------------------------------------------------------------------------------
    def next_request(self) -> tuple[str, Request]:
        roll = self.rng.random()
        service = self.rng.choice(["mgn", "dms"])
        op = MODELS[service].operation_model(self.rng.choice(OPERATIONS[service]))
        body = self.values.of(op.input_shape) if op.input_shape is not None else {}
        if service == "dms":
            body = _pin(body)
        request = operation_request(service, op, body)
        if roll < 0.80:
            return "shape", request
        if roll < 0.90:
            request.body = self.rng.choice(MALFORMED_BODIES)
            return "body", request
        if roll < 0.95:
            return "signature", self._bad_signature(request)
        return "encoding", self._bad_encoding(request)

    def _bad_signature(self, request: Request) -> Request:
        variants = [
            None,
            "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=0",
            "AWS4-HMAC-SHA256 Credential=AKID/2026/us-east-1/mgn, Signature=0",
            "Bearer abc",
            _scope("dms" if request.service == "mgn" else "mgn"),
            _scope(request.service, "mars-north-9"),
            "AWS4-HMAC-SHA256 Credential=" + "/" * 40,
        ]
        choice = self.rng.choice(variants)
        if choice is None:
            request.headers.pop("Authorization", None)
        else:
            request.headers["Authorization"] = choice
        request.service = "any"  # the answer may come from the other service or the router
        return request

    def _bad_encoding(self, request: Request) -> Request:
        choice = self.rng.randrange(4)
        if choice == 0:
            request.headers["Content-Encoding"] = "gzip"
        elif choice == 1:
            request.headers["Content-Type"] = self.rng.choice(
                ["text/plain", "application/cbor", "", "x/y; charset=zz"]
            )
        elif choice == 2:
            request.headers["Transfer-Encoding"] = "chunked"
            request.body = self.rng.choice(
                [b"zz\r\n{}\r\n0\r\n\r\n", b"2\r\n{}\r\n0\r\n\r\n", b"ffffffff\r\n{}"]
            )
        else:
            request.headers["Content-Length"] = str(self.rng.choice([11 << 20, 10**12]))
            request.may_drop = True
        return request

    # sending ---------------------------------------------------------------------------------------
    def send(self, kind: str, request: Request) -> tuple[int, str]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.putrequest(request.method, request.path, skip_accept_encoding=True)
            headers = {"Connection": "close", **request.headers}
            if "Transfer-Encoding" not in headers and "Content-Length" not in headers:
                headers["Content-Length"] = str(len(request.body))
            for name, value in headers.items():
                conn.putheader(name, value)
            conn.endheaders()
            if request.body:
                conn.send(request.body)
            if conn.sock is not None:
                conn.sock.shutdown(socket.SHUT_WR)  # a body shorter than announced ends here
            response = conn.getresponse()
            body = response.read()
            error_type = (response.getheader("x-amzn-ErrorType") or "").split(":", 1)[0]
            if not error_type and response.status >= 300 and body[:1] == b"{":
                error_type = str(json.loads(body).get("__type", "")).rsplit("#", 1)[-1]
            return response.status, error_type
        finally:
            conn.close()

    def check(self, kind: str, request: Request, status: int, error_type: str) -> None:
        self.sent += 1
        self.statuses[status] += 1
        self.kinds[kind] += 1
        declared = (
            DECLARED["mgn"] | DECLARED["dms"] if request.service == "any" else DECLARED[request.service]
        )
        if status >= 500:
            self.findings.append(
                Finding(f"{kind} {request.what}: a 5xx", status, error_type, request.describe())
            )
        elif status >= 300 and error_type not in declared:
            self.findings.append(
                Finding(f"{kind} {request.what}: undeclared error", status, error_type, request.describe())
            )

    def run(self, seconds: float, max_requests: int | None = None) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and (max_requests is None or self.sent < max_requests):
            kind, request = self.next_request()
            try:
                status, error_type = self.send(kind, request)
            except (OSError, http.client.HTTPException) as exc:  # a dropped connection is a finding too
                self.sent += 1
                if request.may_drop:  # refused before its body was read: a reset may beat the 413
                    self.kinds["dropped after 413"] += 1
                    continue
                self.findings.append(
                    Finding(f"{kind} {request.what}: {type(exc).__name__}", 0, "", request.describe())
                )
                continue
            self.check(kind, request, status, error_type)


def strict_json_problems(state_dir: Path) -> list[str]:
    """The state files that are not strict JSON (NaN, Infinity or unreadable)."""

    def refuse(name: str) -> Any:
        raise ValueError(f"{name} in a state file")

    problems = []
    for path in sorted(state_dir.rglob("*.json")):
        try:
            json.loads(path.read_text(), parse_constant=refuse)
        except ValueError as exc:
            problems.append(f"{path.name}: {exc}")
    return problems
