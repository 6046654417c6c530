"""Strict, bounded JSON: what every request body and every JSON document inside a request is read with.

AWS refuses what Python's `json` accepts by default: `NaN`/`Infinity` (not JSON, and a state file holding
one is no longer JSON either) and nesting deep enough to exhaust the interpreter's stack. `loads` refuses
both with a `ValueError`, so callers answer them as the malformed input they are.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64  # far deeper than any shape of the MGN or DMS models, or any DMS mapping/settings document


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def loads(text: str | bytes, max_depth: int = MAX_DEPTH) -> Any:
    """`json.loads` without NaN/Infinity and without values nested deeper than `max_depth`."""
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except RecursionError as exc:
        raise ValueError(f"JSON nested deeper than {max_depth} levels") from exc
    if depth(value, max_depth) > max_depth:
        raise ValueError(f"JSON nested deeper than {max_depth} levels")
    return value


def depth(value: Any, limit: int = MAX_DEPTH) -> int:
    """How deep lists and objects nest in `value` (stops counting a little past `limit`); no recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if not isinstance(item, dict | list):
            continue
        deepest = max(deepest, level)
        if deepest > limit:
            return deepest
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, level + 1) for child in children)
    return deepest


def dumps(value: Any) -> str:
    """Compact JSON that is strict JSON (NaN refused)."""
    return json.dumps(value, separators=(",", ":"), allow_nan=False)
