"""`ApiError`: an AWS error answer raised anywhere in a handler, rendered by the service's protocol."""

from __future__ import annotations

from typing import Any

# Errors every AWS JSON service may answer besides its modelled ones (AWS's "common errors").
COMMON_ERRORS = frozenset(
    {
        "AccessDeniedException",
        "IncompleteSignatureException",
        "InternalFailure",
        "InvalidAction",
        "InvalidParameterCombination",
        "InvalidParameterValueException",
        "InvalidSignatureException",
        "MissingAuthenticationTokenException",
        "MissingParameter",
        "RequestEntityTooLargeException",
        "SerializationException",
        "ThrottlingException",
        "UnknownOperationException",
        "ValidationException",
    }
)


class ApiError(Exception):
    """`code` is the error type; `status` None lets the protocol pick (the model's code, or 400)."""

    def __init__(self, code: str, message: str, status: int | None = None, **members: Any) -> None:
        super().__init__(message)
        self.code, self.message, self.status, self.members = code, message, status, members


def missing_signature() -> ApiError:
    return ApiError("MissingAuthenticationTokenException", "Missing Authentication Token", 403)


def bad_signature(why: str) -> ApiError:
    return ApiError(
        "IncompleteSignatureException",
        f"Authorization header requires a Credential scope of the form "
        f"<access key>/<date>/<region>/<service>/aws4_request ({why})",
        403,
    )


def too_large(limit: int) -> ApiError:
    return ApiError("RequestEntityTooLargeException", f"Request bodies are limited to {limit} bytes", 413)
