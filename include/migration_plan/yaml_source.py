"""Read a plan's YAML keeping where every key and value stands, so errors can name file:line:column.

PyYAML's composer gives nodes with marks; we build plain Python data from them ourselves (safe types only)
and record the position of each path. Duplicate and non-string keys are reported instead of being silently
merged, as PyYAML's constructor would do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from migration_plan.issues import Issue, Position

PathTuple = tuple[str | int, ...]

MAX_PLAN_BYTES = 5 * 1024 * 1024
MAX_NODES = 500_000  # guards against alias ("billion laughs") expansion


@dataclass
class SourceMap:
    """Positions of values and keys, by path. Missing paths fall back to their nearest parent."""

    values: dict[PathTuple, Position] = field(default_factory=dict)
    keys: dict[PathTuple, Position] = field(default_factory=dict)

    def position(self, path: PathTuple, *, key: bool = False) -> Position:
        path = tuple(path)
        if key and path in self.keys:
            return self.keys[path]
        while path:
            if path in self.values:
                return self.values[path]
            path = path[:-1]
        return self.values.get((), Position(1, 1))


@dataclass
class LoadedYaml:
    data: Any
    source_map: SourceMap
    issues: list[Issue]


class _TooLarge(Exception):
    pass


def _pos(mark: yaml.Mark | None) -> Position:
    if mark is None:
        return Position(1, 1)
    return Position(mark.line + 1, mark.column + 1)


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.map = SourceMap()
        self.issues: list[Issue] = []
        self.nodes = 0
        self.constructor = yaml.SafeLoader("")  # used only to resolve scalar tags (ints, bools, dates...)

    def build(self, node: yaml.Node, path: PathTuple) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _TooLarge
        self.map.values[path] = _pos(node.start_mark)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, (*path, index)) for index, child in enumerate(node.value)]
        return self._scalar(node, path)

    def _scalar(self, node: yaml.ScalarNode, path: PathTuple) -> Any:
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            self.issues.append(
                Issue.error(
                    "yaml.bad-value",
                    path,
                    f"cannot read this value: {getattr(exc, 'problem', exc)}",
                    fix="quote the value or remove the YAML tag",
                )
            )
            return None

    def _mapping(self, node: yaml.MappingNode, path: PathTuple) -> dict[str, Any]:
        self.constructor.flatten_mapping(node)  # resolves << merge keys
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self._scalar(key_node, path) if isinstance(key_node, yaml.ScalarNode) else None
            if issue := self._bad_key(key_node, key, path, result):
                self.issues.append(issue)
                continue
            child = (*path, key)
            self.map.keys[child] = _pos(key_node.start_mark)
            result[key] = self.build(value_node, child)
        return result

    def _bad_key(self, key_node: yaml.Node, key: Any, path: PathTuple, result: dict) -> Issue | None:
        """A key that is not text, or one the mapping already has."""
        if not isinstance(key, str):
            shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else "a collection"
            code, where = "yaml.bad-key", path
            message = f"keys must be text, got {shown!r} ({type(key).__name__})"
            fix = "quote the key (YAML reads yes/no/on/off as booleans and bare numbers as numbers)"
        elif key in result:
            code, where = "yaml.duplicate-key", (*path, key)
            message = f"duplicate key '{key}' (first at line {self.map.keys[where].line})"
            fix = "keep one of the two; YAML would silently use the last one"
        else:
            return None
        return Issue.error(code, where, message, fix=fix, position=_pos(key_node.start_mark))


class _Refused(Exception):
    """The file cannot be read as a plan at all: the one issue that says why."""

    def __init__(self, code: str, message: str, **kwargs: Any) -> None:
        super().__init__(message)
        self.issue = Issue.error(code, (), message, **kwargs)


def _read(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise _Refused("file.missing", "the plan file does not exist") from exc
    except OSError as exc:
        raise _Refused("file.unreadable", f"cannot read the file: {exc}") from exc
    if len(raw) > MAX_PLAN_BYTES:
        raise _Refused("file.too-large", f"the plan is larger than {MAX_PLAN_BYTES} bytes")
    return raw


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = raw[: exc.start].count(b"\n") + 1, exc.start - raw.rfind(b"\n", 0, exc.start)
        raise _Refused(
            "file.encoding",
            f"the file is not UTF-8 ({exc.reason} at byte {exc.start})",
            fix="save the plan as UTF-8",
            position=Position(line, column),
        ) from exc


def _compose(text: str) -> yaml.Node:
    try:
        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        problem = " ".join(part for part in (exc.context, exc.problem) if part)
        raise _Refused(
            "yaml.syntax",
            f"YAML syntax error: {problem}",
            fix="check the indentation (spaces, not tabs), the colons and the quoting here",
            position=_pos(exc.problem_mark or exc.context_mark),
        ) from exc
    except yaml.YAMLError as exc:
        raise _Refused("yaml.syntax", f"YAML error: {exc}") from exc
    if node is None:
        raise _Refused("plan.empty", "the plan is empty", fix="start from include/plans/example.yaml")
    return node


def load_yaml(path: Path) -> LoadedYaml:
    """Parse a plan file; never raises for bad input, returns issues instead."""
    builder = _Builder(str(path))
    try:
        data = builder.build(_compose(_decode(_read(path))), ())
    except _Refused as refused:
        return LoadedYaml(None, SourceMap(), [refused.issue])
    except _TooLarge:
        issue = Issue.error("yaml.too-large", (), "the plan expands to too many values (aliases?)")
        return LoadedYaml(None, SourceMap(), [issue])
    except RecursionError:
        issue = Issue.error("yaml.too-deep", (), "the plan is nested too deeply")
        return LoadedYaml(None, SourceMap(), [issue])
    return LoadedYaml(data, builder.map, builder.issues)
