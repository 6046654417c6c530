"""Fault and refusal answers in whatever protocol the client speaks, for any service (moto's too).

The router answers injected throttling and 5xx faults, and calls it refuses before routing (unsigned, no
credential scope), here: botocore must parse them as the service's own errors, so it retries a throttle
and fails at once on a 403.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

import botocore.session

from sandbox.api.errors import ApiError
from sandbox.http import SandboxResponse

# SigV4 signing names that differ from botocore's service names (for fault matching and error protocol).
SIGNING_ALIASES = {
    "monitoring": "cloudwatch",
    "email": "ses",
    "states": "stepfunctions",
    "execute-api": "apigateway",
}

_PROTOCOLS: dict[str, str] = {}


def _protocol(service: str) -> str:
    if service not in _PROTOCOLS:
        try:
            _PROTOCOLS[service] = (
                botocore.session.get_session().get_service_model(service).metadata["protocol"]
            )
        except Exception:
            _PROTOCOLS[service] = "json"
    return _PROTOCOLS[service]


def wire_protocol(service: str, content_type: str) -> str:
    """The protocol the client speaks: botocore may pick any of a model's `protocols` (CloudWatch: cbor or json)."""
    model_protocol = _protocol(service)
    if "cbor" in content_type:
        return "smithy-rpc-v2-cbor"
    if "x-amz-json" in content_type:
        return "json" if model_protocol not in ("rest-json",) else model_protocol
    if "x-www-form-urlencoded" in content_type and model_protocol not in ("ec2", "query"):
        return "query"
    return model_protocol


def fault_response(service: str, kind: str, content_type: str = "") -> SandboxResponse:
    """An AWS-shaped throttling or internal error in the client's protocol, so botocore retries it."""
    throttle = kind == "throttle"
    message = "Rate exceeded (sandbox fault)" if throttle else "Internal failure (sandbox fault)"
    protocol = wire_protocol(service, content_type)
    if protocol == "smithy-rpc-v2-cbor":
        code = "ThrottlingException" if throttle else "InternalFailure"
        return SandboxResponse(
            400 if throttle else 500,
            {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"},
            _cbor_text_map({"__type": code, "message": message}),
        )
    if protocol == "rest-json":
        code = "ThrottlingException" if throttle else "InternalServerException"
        return SandboxResponse.json(
            429 if throttle else 500, {"message": message}, {"x-amzn-ErrorType": code}
        )
    if protocol == "json":
        code = "ThrottlingException" if throttle else "InternalFailure"
        return SandboxResponse.json(
            400 if throttle else 500,
            {"__type": code, "message": message},
            content_type="application/x-amz-json-1.1",
        )
    if protocol == "ec2":
        code = "RequestLimitExceeded" if throttle else "InternalError"
        body = f"<Response><Errors><Error><Code>{code}</Code><Message>{escape(message)}</Message></Error></Errors></Response>"
        return SandboxResponse(503 if throttle else 500, {"Content-Type": "text/xml"}, body.encode())
    code = "Throttling" if throttle else "InternalFailure"
    body = (
        f"<ErrorResponse><Error><Type>{'Sender' if throttle else 'Receiver'}</Type><Code>{code}</Code>"
        f"<Message>{escape(message)}</Message></Error></ErrorResponse>"
    )
    return SandboxResponse(400 if throttle else 500, {"Content-Type": "text/xml"}, body.encode())


def _cbor_text_map(items: dict[str, str]) -> bytes:
    """The few bytes of CBOR an error body needs: a map of short text strings (RFC 8949)."""

    def head(major: int, length: int) -> bytes:
        if length < 24:
            return bytes([major << 5 | length])
        if length < 256:
            return bytes([major << 5 | 24, length])
        return bytes([major << 5 | 25]) + length.to_bytes(2, "big")

    out = head(5, len(items))
    for key, value in items.items():
        for text in (key.encode(), value.encode()):
            out += head(3, len(text)) + text
    return out


def refusal_response(error: ApiError, content_type: str = "", target: str = "") -> SandboxResponse:
    """An error for a call whose service is unknown (no credential scope): XML for query-protocol forms,
    else JSON carrying the type both as `__type` (JSON 1.x) and `x-amzn-ErrorType` (REST-JSON)."""
    status = error.status or 400
    if "x-www-form-urlencoded" in content_type and not target:
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{escape(error.code)}</Code>"
            f"<Message>{escape(error.message)}</Message></Error></ErrorResponse>"
        )
        return SandboxResponse(status, {"Content-Type": "text/xml"}, body.encode())
    return SandboxResponse.json(
        status,
        {"__type": error.code, "message": error.message},
        {"x-amzn-ErrorType": error.code},
        content_type="application/x-amz-json-1.1" if target else "application/json",
    )
