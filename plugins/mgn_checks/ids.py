"""Source server IDs as a list, whatever shape a template rendered them in."""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable


def as_id_list(value: str | Iterable[str] | None) -> list[str]:
    """
    ``["s-1", "s-2"]`` from a list, a JSON/Python list literal or a comma/space separated string.

    Jinja renders ``{{ ... }}`` to text unless the DAG renders native objects: iterating that text would
    yield characters, not IDs.
    """
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = ast.literal_eval(text)
            return [str(v) for v in parsed]
        return [part for part in text.replace(",", " ").split() if part]
    return [str(v) for v in value]
