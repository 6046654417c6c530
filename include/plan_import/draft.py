"""A drafted plan: the plan's data, a comment for each value that was guessed or is worth knowing, and the
list of what could not be mapped. Rendered as commented YAML, then validated and linted like any plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migration_plan.issues import Issue
from migration_plan.model import NAME_PATTERN
from migration_plan.yaml_out import comment_block, dump, fresh

GUESSED = "GUESSED"
APPROVER_PLACEHOLDER = "replace-with-approver-id"

PathTuple = tuple[str | int, ...]


@dataclass
class Draft:
    source: str  # what it was drafted from, for the header
    data: dict[str, Any] = field(default_factory=dict)
    comments: dict[PathTuple, str] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)

    def guess(self, path: PathTuple, why: str) -> None:
        self.comments[tuple(path)] = f"{GUESSED}: {why}"

    def note(self, path: PathTuple, text: str) -> None:
        """A fact worth knowing next to the value (after a guess on the same value, if any)."""
        path = tuple(path)
        self.comments[path] = f"{self.comments[path]}; {text}" if path in self.comments else text

    def skip(self, what: str) -> None:
        self.unmapped.append(what)


def plan_name(text: str) -> str:
    """A name that fits the plan's name rule (DAG ids): other characters become '-'."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", text.strip()).strip("-._")[:64] or "unnamed"
    return name if re.match(NAME_PATTERN, name) else f"n-{name}"[:64]


def unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate = f"{name[:60]}-{n}"
        n += 1
    taken.add(candidate)
    return candidate


def plan_settings(draft: Draft, name: str | None, region: str, default_name: str) -> None:
    """The plan section: what the import cannot know is a placeholder, marked."""
    draft.data["plan"] = {
        "name": plan_name(name or default_name),
        "description": f"Drafted from {draft.source}.",
        "aws_conn_id": "aws_default",
        "region": region,
        "approvers": [APPROVER_PLACEHOLDER],
    }
    if not name:
        draft.guess(("plan", "name"), "give the plan a name (it prefixes every DAG id)")
    draft.guess(("plan", "aws_conn_id"), "the Airflow connection (type aws) for this account")
    draft.guess(("plan", "approvers"), "a placeholder; list the Airflow user ids who approve the gates")


def _comment_at(tree: Any, path: PathTuple, text: str) -> None:
    parent = tree
    for part in path[:-1]:
        parent = parent[part]
    key = path[-1]
    if isinstance(key, int):  # a list item: the comment goes on the item's first key
        parent, key = parent[key], next(iter(parent[key]))
    parent.yaml_add_eol_comment(f"# {text}", key, column=0)
    parent.ca.items[key][2 if isinstance(key, str) else 0].value = f" # {text}"


def render(draft: Draft) -> str:
    tree = fresh(draft.data)
    for path, text in draft.comments.items():
        _comment_at(tree, path, text)
    header = [
        f"Drafted from {draft.source} by plan_import.",
        f"Review every value marked '{GUESSED}' before using this plan; then run make validate and make lint.",
    ]
    if draft.unmapped:
        header += ["", "Not mapped (also printed on stderr):", *(f"  - {item}" for item in draft.unmapped)]
    return comment_block(header) + dump(tree)


def write_and_check(draft: Draft, out: Path) -> list[Issue]:
    """Write the draft and check it as `make validate` and `make lint` would: the issues found."""
    from migration_plan.lint import lint_file

    out.write_text(render(draft), encoding="utf-8")
    return lint_file(out)
