"""Raw HTTP to the sandbox for tests that send what boto3 never would (bodies, signatures, encodings)."""

from __future__ import annotations

import json
import socket
from typing import Any

import requests

DMS_TARGET = "AmazonDMSv20160101."


def scope(service: str) -> dict[str, str]:
    """A well-formed SigV4 Authorization header (the sandbox checks the scope's form, not the signature)."""
    return {
        "Authorization": f"AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/{service}/aws4_request, "
        "SignedHeaders=host, Signature=0"
    }


def mgn_call(endpoint: str, path: str, body: bytes | str | dict, **headers: str) -> requests.Response:
    data = json.dumps(body) if isinstance(body, dict) else body
    return requests.post(
        f"{endpoint}{path}",
        data=data,
        headers={**scope("mgn"), "Content-Type": "application/json", **headers},
        timeout=10,
    )


def dms_call(endpoint: str, op: str, body: bytes | str | dict, **headers: str) -> requests.Response:
    data = json.dumps(body) if isinstance(body, dict) else body
    return requests.post(
        f"{endpoint}/",
        data=data,
        headers={
            **scope("dms"),
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": DMS_TARGET + op,
            **headers,
        },
        timeout=10,
    )


def error_type(response: requests.Response) -> str:
    """The error type as botocore reads it: the header, else `__type` in the body."""
    if "x-amzn-ErrorType" in response.headers:
        return response.headers["x-amzn-ErrorType"].split(":", 1)[0]
    return json.loads(response.content).get("__type", "")


def raw_exchange(port: int, request: bytes, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are (a broken chunked body, a lying Content-Length) and read the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers: dict[str, Any] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def raw_post(path: str, headers: dict[str, str], body: bytes, host: str = "127.0.0.1") -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body
