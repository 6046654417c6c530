"""Plan data as YAML a person can copy: order and comments kept (ruamel.yaml), safe for YAML 1.1 readers.

`show` and the plan importer write through here. The tree is built from the validated model, merged into
the user's own YAML when there is one (their key order, flow style and comments survive), with every
default spelled out and marked. Strings that a YAML 1.1 reader (PyYAML, which the validator and Airflow
use) would read as something else (`yes`, `on`, `0755`, `2024-01-01`, `*/10 * * * *`) are quoted.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import yaml as pyyaml
from pydantic import BaseModel
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.scalarstring import SingleQuotedScalarString
from ruamel.yaml.tokens import CommentToken

DEFAULT_COMMENT = "default"
_STR_TAG = "tag:yaml.org,2002:str"
_RESOLVER = pyyaml.resolver.Resolver()


def round_trip_yaml() -> YAML:
    out = YAML()  # round-trip: keeps comments, key order and flow style
    out.indent(mapping=2, sequence=4, offset=2)
    out.width = 4096  # never fold a long description over lines
    out.representer.add_representer(type(None), _represent_null)
    return out


def _represent_null(representer, _value):
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")  # not an empty value


def load_commented(path: Path) -> Any:
    """The plan file as ruamel's commented tree (its values are only kept where the model agrees)."""
    return round_trip_yaml().load(path.read_text(encoding="utf-8"))


def dump(tree: Any) -> str:
    buffer = io.StringIO()
    round_trip_yaml().dump(tree, buffer)
    return buffer.getvalue()


def needs_quotes(text: str) -> bool:
    """True when a YAML 1.1 reader would not read this plain scalar back as the same string."""
    return _RESOLVER.resolve(pyyaml.ScalarNode, text, (True, False)) != _STR_TAG


def scalar(value: Any) -> Any:
    if isinstance(value, str) and needs_quotes(value):
        return SingleQuotedScalarString(value)
    return value


def _same_scalar(node: Any, truth: Any) -> bool:
    """Strict equality: `1` is not `true`, and a string `yes` is not the boolean the validator read."""
    if isinstance(truth, bool) or isinstance(node, bool):
        return isinstance(node, bool) and isinstance(truth, bool) and node == truth
    if truth is None:
        return node is None
    if isinstance(truth, str):
        return isinstance(node, str) and node == truth
    if isinstance(truth, (int, float)):
        return isinstance(node, (int, float)) and node == truth
    return False


def fresh(value: Any) -> Any:
    """A new commented tree for a value the user's YAML does not hold (or holds differently)."""
    if isinstance(value, BaseModel):
        return merge_model(value, CommentedMap())
    if isinstance(value, dict):
        out = CommentedMap()
        for key, item in value.items():
            out[scalar(key)] = fresh(item)
        return out
    if isinstance(value, (list, tuple)):
        seq = CommentedSeq(fresh(item) for item in value)
        if not any(isinstance(item, (BaseModel, dict, list)) for item in value):
            seq.fa.set_flow_style()  # approvers: [alice, bob]
        return seq
    return scalar(value)


def _merge(truth: Any, node: Any) -> Any:
    if isinstance(truth, BaseModel):
        return merge_model(truth, node)
    if isinstance(truth, (list, tuple)):
        if not isinstance(node, CommentedSeq) or len(node) != len(truth):
            return fresh(truth)
        for index, item in enumerate(truth):
            node[index] = _merge(item, node[index])
        return node
    if isinstance(truth, dict):
        if not isinstance(node, CommentedMap) or list(node) != list(truth) or any(map(needs_quotes, node)):
            return fresh(truth)
        for key, item in truth.items():
            node[key] = _merge(item, node[key])
        return node
    return scalar(node) if _same_scalar(node, truth) else fresh(truth)


def _is_block(node: Any) -> bool:
    return isinstance(node, (CommentedMap, CommentedSeq)) and len(node) > 0 and not node.fa.flow_style()


def _tail_slot(container: Any, key: Any) -> tuple[list, int]:
    """Where ruamel keeps the comment that follows `container[key]` and everything under it."""
    while _is_block(container[key]):
        container = container[key]
        key = list(container)[-1] if isinstance(container, CommentedMap) else len(container) - 1
    slots = container.ca.items.setdefault(key, [None, None, None, None])
    return slots, 2 if isinstance(container, CommentedMap) else 0


def _insert_marked(node: CommentedMap, position: int, name: str, value: Any) -> None:
    """Insert `name: value  # default`. Blank lines and full-line comments that followed the previous key
    belong before the next key of the user's file, so they move below the inserted one."""
    node.insert(position, name, value)
    node.yaml_add_eol_comment(f"# {DEFAULT_COMMENT}", name, column=0)
    node.ca.items[name][2].value = f" # {DEFAULT_COMMENT}"  # the emitter adds one space: two in all
    if position == 0:
        return
    before, index = _tail_slot(node, list(node)[position - 1])
    token = before[index]
    if token is None or "\n" not in token.value.rstrip(" "):
        return
    eol, rest = token.value.split("\n", 1)
    if not rest.strip(" "):
        return
    token.value = eol + "\n"
    mark = node.ca.items[name][2]
    if _is_block(value):
        after, slot = _tail_slot(node, name)
        if after[slot] is None:
            after[slot] = CommentToken("\n" + rest, CommentMark(0), None)
            return
        mark = after[slot]
    mark.value = mark.value.rstrip("\n") + "\n" + rest


def merge_model(model: BaseModel, node: Any) -> CommentedMap:
    """The model's fields in the user's mapping: theirs merged, each missing one inserted and marked."""
    if not isinstance(node, CommentedMap):
        node = CommentedMap()
    names = list(type(model).model_fields)
    if any(name not in node for name in names):
        node.fa.set_block_style()  # a marked default needs a line of its own: {a: 1} becomes a block
    for index, name in enumerate(names):
        value = getattr(model, name)
        if name in node:
            node[name] = _merge(value, node[name])
            continue
        earlier = [list(node).index(key) for key in names[:index] if key in node]
        _insert_marked(node, max(earlier, default=-1) + 1, name, fresh(value))
    return node


def comment_block(lines: list[str]) -> str:
    return "".join(f"# {line}".rstrip() + "\n" for line in lines)
