"""Check a JSON value against a botocore shape.

One walker serves two purposes: the sandbox rejects requests the real service would reject (botocore checks
only lengths and required members client-side, never enum values), and the conformance tests hold every
response to the output shape (no unknown keys, right types, required members present).
"""

from __future__ import annotations

import math
import re
from typing import Any

from botocore.model import Shape

_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def shape_errors(
    shape: Shape, value: Any, path: str = "", *, strict_keys: bool = True
) -> list[tuple[str, str]]:
    """Return (field path, problem) pairs; empty when `value` fits `shape`.

    Members bound to the URI, query string or headers are skipped: they never appear in a JSON body.
    """
    errors: list[tuple[str, str]] = []
    _walk(shape, value, path or shape.name, errors, strict_keys)
    return errors


def _walk(shape: Shape, value: Any, path: str, errors: list[tuple[str, str]], strict: bool) -> None:
    check = _CHECKS.get(shape.type_name)
    if check is not None:
        check(shape, value, path, errors, strict)


def _structure(shape: Shape, value: Any, path: str, errors: list[tuple[str, str]], strict: bool) -> None:
    if not isinstance(value, dict):
        errors.append((path, f"expected an object, got {type(value).__name__}"))
        return
    body_members = {
        name for name, member in shape.members.items() if not member.serialization.get("location")
    }
    for name in shape.required_members:
        if name in body_members and name not in value:
            errors.append((f"{path}.{name}", "required member missing"))
    for key, item in value.items():
        member = shape.members.get(key)  # URI/query/header members count as known (handlers add them)
        if member is None:
            if strict:
                errors.append((f"{path}.{key}", "unknown member"))
            continue
        _walk(member, item, f"{path}.{key}", errors, strict)


def _list(shape: Shape, value: Any, path: str, errors: list[tuple[str, str]], strict: bool) -> None:
    if not isinstance(value, list):
        errors.append((path, f"expected a list, got {type(value).__name__}"))
        return
    _bounds(len(value), shape.metadata, path, errors, "length")
    for index, item in enumerate(value):
        _walk(shape.member, item, f"{path}[{index}]", errors, strict)


def _map(shape: Shape, value: Any, path: str, errors: list[tuple[str, str]], strict: bool) -> None:
    if not isinstance(value, dict):
        errors.append((path, f"expected a map, got {type(value).__name__}"))
        return
    _bounds(len(value), shape.metadata, path, errors, "length")
    for key, item in value.items():
        _walk(shape.key, key, f"{path}<key>", errors, strict)
        _walk(shape.value, item, f"{path}.{key}", errors, strict)


def _string(shape: Shape, value: Any, path: str, errors: list[tuple[str, str]], strict: bool) -> None:
    if not isinstance(value, str):
        errors.append((path, f"expected a string, got {type(value).__name__}"))
        return
    if shape.enum and value not in shape.enum:
        errors.append((path, f"'{value}' is not one of {', '.join(shape.enum)}"))
    _bounds(len(value), shape.metadata, path, errors, "length")
    pattern = shape.metadata.get("pattern")
    if pattern and not re.fullmatch(pattern, value):
        errors.append((path, f"'{value}' does not match {pattern}"))


def _integer(shape: Shape, value: Any, path: str, errors: list[tuple[str, str]], strict: bool) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        errors.append((path, f"expected an integer, got {type(value).__name__}"))
        return
    _bounds(value, shape.metadata, path, errors, "value")


def _number(shape: Shape, value: Any, path: str, errors: list[tuple[str, str]], strict: bool) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        errors.append((path, f"expected a finite number, got {value!r}"))


def _boolean(shape: Shape, value: Any, path: str, errors: list[tuple[str, str]], strict: bool) -> None:
    if not isinstance(value, bool):
        errors.append((path, f"expected a boolean, got {type(value).__name__}"))


def _timestamp(shape: Shape, value: Any, path: str, errors: list[tuple[str, str]], strict: bool) -> None:
    if not isinstance(value, int | float | str) or isinstance(value, bool):
        errors.append((path, f"expected a timestamp, got {type(value).__name__}"))


def _blob(shape: Shape, value: Any, path: str, errors: list[tuple[str, str]], strict: bool) -> None:
    if not isinstance(value, str):
        errors.append((path, "expected base64 text"))


_CHECKS = {
    "structure": _structure,
    "list": _list,
    "map": _map,
    "string": _string,
    "integer": _integer,
    "long": _integer,
    "float": _number,
    "double": _number,
    "boolean": _boolean,
    "timestamp": _timestamp,
    "blob": _blob,
}


def _bounds(amount: int, meta: dict, path: str, errors: list[tuple[str, str]], what: str) -> None:
    low, high = meta.get("min"), meta.get("max")
    if low is not None and amount < low:
        errors.append((path, f"{what} {amount} below minimum {low}"))
    if high is not None and amount > high:
        errors.append((path, f"{what} {amount} above maximum {high}"))


def prune(value: Any) -> Any:
    """Drop None members recursively: AWS omits what it does not know."""
    if isinstance(value, dict):
        return {k: prune(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [prune(v) for v in value]
    return value


def is_iso_datetime(text: str) -> bool:
    return bool(_ISO_DATETIME.match(text))
