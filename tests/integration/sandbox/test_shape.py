"""The sandbox's shape: layers that point one way, modules under 400 lines, functions under 60.

Layers, lowest first; a module may import its own layer and those below, never one above. Every sandbox
module must belong to a layer (the longest matching prefix), so a new module has to be placed on purpose.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SANDBOX = ROOT / "sandbox"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "foundation",
        (
            "sandbox",  # the package itself
            "sandbox.config",
            "sandbox.state",
            "sandbox.strict_json",
            "sandbox.shapes",
            "sandbox.faults",
            "sandbox.world",
            "sandbox.apps",
        ),
    ),
    ("model", ("sandbox.mgn.model", "sandbox.dms.engine.errors", "sandbox.dms.engine.types")),
    ("store", ("sandbox.mgn.store", "sandbox.dms.store")),
    (
        "engines",
        (
            "sandbox.mgn",  # the package's __init__
            "sandbox.mgn.launch",
            "sandbox.mgn.replication",
            "sandbox.mgn.sources",
            "sandbox.mgn.ec2",
            "sandbox.route53",
            "sandbox.dms",
            "sandbox.dms.engine",
            "sandbox.dms.runs",
            "sandbox.dms.databases",
            "sandbox.dms.cdc_phase",
        ),
    ),
    ("api", ("sandbox.http", "sandbox.api", "sandbox.mgn.handlers", "sandbox.dms.handlers")),
    ("services", ("sandbox.mgn.service", "sandbox.dms.service")),
    (
        "entry",
        ("sandbox.server", "sandbox.__main__", "sandbox.testing", "sandbox.fuzzing", "sandbox.fuzz_walks"),
    ),
]


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(SANDBOX.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _rank(module: str) -> int | None:
    best: tuple[int, int] | None = None  # (prefix length, rank)
    for rank, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            exact_package = prefix in ("sandbox", "sandbox.mgn", "sandbox.dms") and module != prefix
            if exact_package:
                continue
            if (module == prefix or module.startswith(prefix + ".")) and (
                best is None or len(prefix) > best[0]
            ):
                best = (len(prefix), rank)
    return None if best is None else best[1]


def _imports(module: str, path: Path) -> set[str]:
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "sandbox" or name.startswith("sandbox.")}


MODULES = _modules()


def test_every_sandbox_module_has_a_layer() -> None:
    assert [m for m in MODULES if _rank(m) is None] == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module: str) -> None:
    rank = _rank(module)
    above = []
    for name in _imports(module, MODULES[module]):
        target = name if name in MODULES else name.rsplit(".", 1)[0]  # `from pkg import name`
        if target in MODULES and (_rank(target) or 0) > (rank or 0):
            above.append(f"{target} ({LAYERS[_rank(target) or 0][0]})")
    assert above == [], f"{module} ({LAYERS[rank or 0][0]}) imports a layer above it"


def test_modules_and_functions_are_small() -> None:
    too_big = []
    for module, path in MODULES.items():
        text = path.read_text()
        if len(text.splitlines()) >= MAX_MODULE_LINES:
            too_big.append(f"{module}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length >= MAX_FUNCTION_LINES:
                    too_big.append(f"{module}.{node.name}: {length} lines")
    assert too_big == []


def test_the_check_sees_a_violation() -> None:
    """The layer check itself: an engine importing a service would be caught."""
    assert _rank("sandbox.mgn.launch") < _rank("sandbox.mgn.service")
    assert _rank("sandbox.dms.engine.cdc.stream") == _rank("sandbox.dms.engine")
    assert _rank("sandbox.dms.handlers.tasks") > _rank("sandbox.dms.runs")
