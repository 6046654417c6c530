"""A finding about a plan (from validate or lint) and how it is printed.

Every finding names file:line:column, the YAML path, what was expected and how to fix it. Values that
may be secrets are never part of a finding.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Position:
    line: int
    column: int


def format_path(path: tuple[str | int, ...]) -> str:
    """waves[0].servers[1].source_server_id: the same spelling users see in their YAML."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


@dataclass(frozen=True)
class Issue:
    severity: Severity
    code: str
    path: tuple[str | int, ...]
    message: str
    fix: str | None = None
    position: Position | None = None
    file: str | None = None

    @classmethod
    def error(cls, code: str, path, message: str, *, fix: str | None = None, position=None) -> Issue:
        return cls("error", code, tuple(path), message, fix, position)

    def located(self, file: str, position: Position) -> Issue:
        return replace(self, file=file, position=self.position or position)

    def render(self) -> str:
        pos = self.position or Position(1, 1)
        head = f"{self.file or '<plan>'}:{pos.line}:{pos.column}: {self.severity} [{self.code}] "
        text = f"{head}{format_path(self.path)}: {self.message}"
        if self.fix:
            text += f"\n    fix: {self.fix}"
        return text

    def as_dict(self) -> dict:
        pos = self.position or Position(1, 1)
        return {
            "file": self.file,
            "line": pos.line,
            "column": pos.column,
            "severity": self.severity,
            "code": self.code,
            "path": format_path(self.path),
            "message": self.message,
            "fix": self.fix,
        }
