"""The SigV4 credential scope: which service and region a call is for, or why AWS would answer 403.

`Authorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/mgn/aws4_request, ...` or a presigned
URL's `X-Amz-Credential`. The sandbox checks the scope's form, never the signature itself (any key works).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs

from sandbox.api.errors import ApiError, bad_signature, missing_signature

_SCOPE = re.compile(r"[^/\s]+/\d{8}/[a-z0-9-]+/[a-z0-9-]+/aws4_request")


def _credential(environ: dict[str, Any]) -> str | None:
    """The Credential value, "" when an Authorization header has none, None when the call is unsigned."""
    auth = environ.get("HTTP_AUTHORIZATION")
    if auth is not None:
        if not auth.startswith("AWS4-HMAC-SHA256 ") or "Credential=" not in auth:
            return ""
        return auth.split("Credential=", 1)[1].split(",", 1)[0].strip()
    query = environ.get("QUERY_STRING", "")
    if "X-Amz-Credential=" in query:
        try:
            return parse_qs(query).get("X-Amz-Credential", [""])[0]
        except ValueError:
            return ""
    return None


def credential_scope(environ: dict[str, Any]) -> tuple[str | None, str | None]:
    """(service, region) of a well-formed scope, else (None, None)."""
    credential = _credential(environ)
    if not credential or not _SCOPE.fullmatch(credential):
        return None, None
    parts = credential.split("/")
    return parts[-2].lower(), parts[-3]


def signature_error(environ: dict[str, Any]) -> ApiError | None:
    """The 403 AWS answers to an unsigned call or a malformed credential scope; None when it is fine."""
    credential = _credential(environ)
    if credential is None:
        return missing_signature()
    if not _SCOPE.fullmatch(credential):
        return bad_signature("malformed Credential")
    return None
