"""The wire protocols of the project-owned services: how a success and an `ApiError` look on the wire.

`RestJson` (MGN: status from the model's error shapes, `x-amzn-ErrorType`, members in the body) and
`Json11` (DMS: HTTP 400, `__type` in the body). Each also says which error a malformed body and a failed
input check become, so the shared request layer answers them the way that service would.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from botocore.model import ServiceModel

from sandbox.api.errors import COMMON_ERRORS, ApiError
from sandbox.http import SandboxResponse
from sandbox.shapes import prune


class Protocol:
    """Base: what both JSON protocols share."""

    content_type = "application/json"

    def __init__(self, model: ServiceModel) -> None:
        self.model = model
        self.statuses = {
            shape.name: shape.metadata.get("error", {}).get("httpStatusCode", 400)
            for shape in model.error_shapes
        }

    @property
    def declared_errors(self) -> frozenset[str]:
        """The error types a caller of this service may meet: the model's plus AWS's common ones."""
        return frozenset(self.statuses) | COMMON_ERRORS

    def error(self, error: ApiError) -> SandboxResponse:
        raise NotImplementedError

    def ok(self, status: int, payload: Any) -> SandboxResponse:
        if status == 204 or payload is None:
            return SandboxResponse(status, {"Content-Type": self.content_type}, b"")
        body = json.dumps(payload, default=str, separators=(",", ":"), allow_nan=False).encode()
        return SandboxResponse(status, {"Content-Type": self.content_type}, body)

    def malformed(self, message: str) -> ApiError:
        """The error for a body that is not a JSON object (or cannot be read)."""
        raise NotImplementedError

    def invalid(self, message: str, fields: Iterable[tuple[str, str]] = ()) -> ApiError:
        """The error for input that breaks the model (or the service's rules)."""
        raise NotImplementedError

    def internal(self, message: str) -> ApiError:
        """The 500 of a sandbox bug (never expected: the fuzz test looks for them)."""
        raise NotImplementedError


class RestJson(Protocol):
    def error(self, error: ApiError) -> SandboxResponse:
        status = error.status or self.statuses.get(error.code, 400)
        body = prune({"message": error.message, **error.members})
        return SandboxResponse.json(status, body, {"x-amzn-ErrorType": error.code})

    def malformed(self, message: str) -> ApiError:
        return ApiError("ValidationException", message, reason="cannotParse")

    def invalid(self, message: str, fields: Iterable[tuple[str, str]] = ()) -> ApiError:
        field_list = [{"name": name, "message": why} for name, why in fields]
        return ApiError(
            "ValidationException",
            message,
            reason="fieldValidationFailed" if field_list else "other",
            fieldList=field_list or None,
        )

    def internal(self, message: str) -> ApiError:
        return ApiError("InternalServerException", message, 500)


class Json11(Protocol):
    content_type = "application/x-amz-json-1.1"

    def error(self, error: ApiError) -> SandboxResponse:
        return SandboxResponse.json(
            error.status or 400,
            {"__type": error.code, "message": error.message},
            {"x-amzn-ErrorType": error.code},
            content_type=self.content_type,
        )

    def malformed(self, message: str) -> ApiError:
        return ApiError("SerializationException", message)

    def invalid(self, message: str, fields: Iterable[tuple[str, str]] = ()) -> ApiError:
        return ApiError("InvalidParameterValueException", message)

    def internal(self, message: str) -> ApiError:
        return ApiError("InternalFailure", message, 500)
