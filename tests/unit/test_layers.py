"""Layers point one way: dags -> include (DAG builders -> the plan) -> plugins (operators, sensors ->
triggers, links -> checks -> hooks -> shared values) -> the provider and boto3.

Every import of the project's own packages is read from the source (module level, inside functions and
under TYPE_CHECKING alike) and must go to the same layer or one below.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

# Higher layers first. A package of include/ or plugins/ missing here takes its folder's default rank.
RANK = {
    "dags": 0,
    "migration_dags": 1,
    "migration_plan": 2,
    "operators": 3,
    "sensors": 3,
    "triggers": 4,
    "links": 4,
    "mgn_checks": 5,
    "hooks": 6,
    "shared": 7,
}
DEFAULT_RANK = {"include": 1, "plugins": 3}
ROOTS = ("dags", "include", "plugins")


def _package(path: Path) -> tuple[str, int]:
    """The project package a source file belongs to, and its rank."""
    rel = path.relative_to(REPO_ROOT)
    if rel.parts[0] == "dags" or rel.name == "__main__.py":  # entry points stand above every layer
        return "dags", RANK["dags"]
    package = rel.parts[1].removesuffix(".py")
    return package, _rank(package)


def _project_packages() -> set[str]:
    return {_package(p)[0] for root in ROOTS for p in (REPO_ROOT / root).rglob("*.py")}


def _rank(module: str) -> int:
    if module.endswith("_checks"):  # pure evaluation (mgn_checks, dms_checks...): under the triggers
        return RANK["mgn_checks"]
    root = "include" if (REPO_ROOT / "include" / module).exists() else "plugins"
    return RANK.get(module, DEFAULT_RANK[root])


def _imports(source: str) -> list[tuple[int, str]]:
    """(line, top-level module) of every absolute import in a source file."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def _upward_imports(sources: dict[Path, str]) -> list[str]:
    """``file:line: <package> imports <module>, a layer above it`` for each import that points up."""
    packages = _project_packages()
    wrong = []
    for path, source in sources.items():
        package, rank = _package(path)
        for line, module in _imports(source):
            if module in packages and module != package and _rank(module) < rank:
                where = f"{path.relative_to(REPO_ROOT)}:{line}"
                wrong.append(f"{where}: {package} imports {module}, a layer above it")
    return wrong


def test_no_module_imports_a_layer_above_it():
    files = [p for root in ROOTS for p in sorted((REPO_ROOT / root).rglob("*.py"))]
    assert len(files) > 30
    assert _upward_imports({p: p.read_text() for p in files}) == []


@pytest.mark.parametrize(
    ("where", "source", "layer_above"),
    [
        ("include/migration_plan/x.py", "from migration_dags.build import build_all", "migration_dags"),
        ("plugins/operators/x.py", "def f():\n    from migration_plan.model import Wave", "migration_plan"),
        ("plugins/hooks/x.py", "if TYPE_CHECKING:\n    import operators.mgn", "operators"),
        ("plugins/shared/x.py", "from mgn_checks.jobs import verdict", "mgn_checks"),
    ],
)
def test_an_upward_import_is_found(where, source, layer_above):
    """The check itself: an upward import anywhere in a file (also in a function, or for type checking)."""
    (wrong,) = _upward_imports({REPO_ROOT / where: source})
    assert (
        wrong
        == f"{where}:{source.count(chr(10)) + 1}: {where.split('/')[1]} imports {layer_above}, a layer above it"
    )
