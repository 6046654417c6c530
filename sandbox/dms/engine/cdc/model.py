"""The change model: a source transaction (commit position, commit time, its row changes) and its codec.

A `Change` is one row event as the source logged it: `op` I (insert), U (update) or D (delete), the source
schema and table, `row` (the new image for I/U; the key, or the whole old image where the source logs one,
for D) and `old_key` (U only, when the update changed the key). Values are Python values (int, Decimal,
str, bytes, datetime, ...), decoded per source. `encode`/`decode` turn a list of changes into JSON text for
the spool, keeping the types that JSON lacks (Decimal, bytes, dates and times, sets) tagged.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

INSERT, UPDATE, DELETE = "I", "U", "D"


@dataclass
class Change:
    op: str
    schema: str
    table: str
    row: dict[str, Any]
    old_key: dict[str, Any] | None = None


@dataclass
class Transaction:
    position: str  # the source's position after this commit (LSN, binlog file:pos, change-table seq)
    commit_time: float  # source commit time, epoch seconds
    changes: list[Change] = field(default_factory=list)


def _tag(v: Any) -> Any:
    t = type(v)
    if t is Decimal:
        return {"$n": str(v)}
    if t is bytes or t is bytearray or t is memoryview:
        return {"$b": base64.b64encode(bytes(v)).decode()}
    if t is datetime:
        return {"$dt": v.isoformat()}
    if t is date:
        return {"$d": v.isoformat()}
    if t is time:
        return {"$t": v.isoformat()}
    if t is timedelta:
        return {"$td": v.total_seconds()}
    if t is set or t is frozenset:
        return {"$set": sorted(v)}
    raise TypeError(f"cannot spool a {t.__name__}")


_UNTAG = {
    "$n": Decimal,
    "$b": base64.b64decode,
    "$dt": datetime.fromisoformat,
    "$d": date.fromisoformat,
    "$t": time.fromisoformat,
    "$td": lambda s: timedelta(seconds=s),
    "$set": set,
}


def _untag(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        ((k, v),) = obj.items()
        f = _UNTAG.get(k)
        if f is not None:
            return f(v)
    return obj


def encode(changes: list[Change]) -> str:
    return json.dumps(
        [[c.op, c.schema, c.table, c.row, c.old_key] for c in changes], default=_tag, separators=(",", ":")
    )


def decode(text: str) -> list[Change]:
    return [Change(*item) for item in json.loads(text, object_hook=_untag)]
