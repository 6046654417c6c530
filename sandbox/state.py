"""Persistence: each service keeps its state as one JSON document in the sandbox's state_dir.

Writes go to a temporary file in the same directory and are renamed over the old one, so a crash or a kill
leaves either the previous or the new document, never half of one.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def atomic_write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle, separators=(",", ":"), allow_nan=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_json(path: Path) -> Any | None:
    """The stored document, or None when there is none yet."""
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return None
