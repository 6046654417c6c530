"""Pagination as each protocol does it: MGN's opaque `nextToken`/`maxResults`, DMS's `Marker`/`MaxRecords`.

A token or marker this service did not issue, and a page size outside the documented range, are the
protocol's validation error, never an endless or a failing page.
"""

from __future__ import annotations

import base64
import binascii
import re
from functools import cache
from typing import Any

from botocore.model import OperationModel

from sandbox import strict_json
from sandbox.api.protocols import Protocol


def _token(offset: int) -> str:
    return base64.b64encode(strict_json.dumps({"offset": offset}).encode()).decode()


def _token_offset(token: str, protocol: Protocol) -> int:
    try:
        offset = strict_json.loads(base64.b64decode(token, validate=True), max_depth=2)["offset"]
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise protocol.invalid(
            "Invalid nextToken", [("nextToken", "not a token this service issued")]
        ) from exc
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise protocol.invalid("Invalid nextToken", [("nextToken", "not a token this service issued")])
    return offset


def token_page(items: list[Any], body: dict[str, Any], protocol: Protocol) -> dict[str, Any]:
    """MGN: `{"items": page, "nextToken"?}`; maxResults is already bounded (1..1000) by the input shape."""
    start = _token_offset(body["nextToken"], protocol) if body.get("nextToken") else 0
    limit = body.get("maxResults") or 1000
    out: dict[str, Any] = {"items": items[start : start + limit]}
    if start + limit < len(items):
        out["nextToken"] = _token(start + limit)
    return out


@cache
def max_records_range(op_model: OperationModel) -> tuple[int, int, int]:
    """(minimum, maximum, default) of MaxRecords as the operation's documentation states them."""
    member = op_model.input_shape.members["MaxRecords"]
    bounds = re.search(r"[Mm]inimum (\d+), maximum (\d+)", member.documentation or "")
    default = re.search(r"Default: (\d+)", member.documentation or "")
    low, high = (int(bounds[1]), int(bounds[2])) if bounds else (1, 100)
    return low, high, int(default[1]) if default else high


def marker_page(
    items: list[Any], body: dict[str, Any], key: str, op_model: OperationModel, protocol: Protocol
) -> dict[str, Any]:
    """DMS: `{key: page, "Marker"?}`; the Marker is the decimal offset this service issued."""
    low, high, default = max_records_range(op_model)
    size = body.get("MaxRecords")
    size = default if size is None else size
    if not low <= size <= high:
        raise protocol.invalid(f"MaxRecords must be between {low} and {high}, got {size}")
    marker = body.get("Marker") or "0"
    if not (marker.isascii() and marker.isdigit()) or len(marker) > 12:
        raise protocol.invalid("Invalid Marker: not a marker this service issued")
    start = int(marker)
    out: dict[str, Any] = {key: items[start : start + size]}
    if start + size < len(items):
        out["Marker"] = str(start + size)
    return out
