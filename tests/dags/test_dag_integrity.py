"""DagBag integrity over dags/: zero import errors; every DAG has tags, an owner, retries and doc_md.

Also: a malformed plan beside a good one breaks only its own DAGs.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DAGS = ROOT / "dags"


def _dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


@pytest.fixture
def plans_dir(tmp_path, monkeypatch):
    folder = tmp_path / "plans"
    folder.mkdir()
    monkeypatch.setenv("MIGRATION_PLANS_DIR", str(folder))
    return folder


def test_no_import_errors_and_every_dag_follows_policy():
    bag = _dagbag()
    assert bag.import_errors == {}
    assert bag.dags, "the shipped plans must produce DAGs"
    for dag_id, dag in bag.dags.items():
        assert dag.tags, dag_id
        assert dag.doc_md and dag.doc_md.strip(), dag_id
        assert dag.default_args.get("retries") is not None, dag_id
        for task in dag.tasks:
            assert task.owner and task.owner != "airflow", (dag_id, task.task_id)
    assert not [d for d in bag.dags.values() if "invalid-plan" in d.tags], "a shipped plan is invalid"


def test_a_broken_plan_breaks_only_its_own_dags(plans_dir):
    shutil.copy(ROOT / "tests" / "plans" / "valid" / "minimal.yaml", plans_dir / "good.yaml")
    shutil.copy(ROOT / "tests" / "plans" / "malformed" / "07_short_server_id.yaml", plans_dir / "broken.yaml")
    (plans_dir / "syntax.yaml").write_text("plan: [\n")
    bag = _dagbag()
    assert bag.import_errors == {}
    assert "minimal__preflight" in bag.dags
    broken = bag.dags["invalid_plan__broken"]
    assert "invalid-plan" in broken.tags
    assert "waves[0].servers[0].source_server_id" in broken.doc_md
    assert "invalid_plan__syntax" in bag.dags


def test_two_plans_with_one_name_do_not_shadow_each_other(plans_dir):
    shutil.copy(ROOT / "tests" / "plans" / "valid" / "minimal.yaml", plans_dir / "a.yaml")
    shutil.copy(ROOT / "tests" / "plans" / "valid" / "minimal.yaml", plans_dir / "b.yaml")
    bag = _dagbag()
    assert "minimal__preflight" in bag.dags
    assert "already used by" in bag.dags["invalid_plan__b"].doc_md


def test_preflight_tasks_run_the_real_checks(plans_dir):
    """The preflight DAG's callables validate and lint the plan file as it is at run time."""
    from migration_dags.build import _run_lint, _run_validate

    plan = plans_dir / "p.yaml"
    shutil.copy(ROOT / "tests" / "plans" / "valid" / "minimal.yaml", plan)
    assert _run_validate(str(plan)) == {"errors": 0, "file": str(plan)}
    assert _run_lint(str(plan))["error"] == 0
    plan.write_text(plan.read_text().replace("approvers: [alice]", "approvers: []"))
    with pytest.raises(ValueError, match="lint error"):
        _run_lint(str(plan))


def test_dag_file_imports_without_the_project_path_file(tmp_path):
    """Deployments without .venv's .pth (docker-compose) still import: the entry file adds include/."""
    code = (
        "import sys; sys.path[:] = [p for p in sys.path if 'include' not in p and 'plugins' not in p];"
        f"import runpy; g = runpy.run_path({str(DAGS / 'migration_dags.py')!r}); "
        "print(sorted(k for k in g if '__' in k and not k.startswith('_')))"
    )
    out = subprocess.run(
        [sys.executable, "-S", "-c", "import site; site.main(); " + code],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "acme-dc1__preflight" in out.stdout


def test_a_plan_with_lint_errors_gets_no_dags(plans_dir):
    """Validation alone would accept it; the wave DAG would then fail at every poke (MGN's 200-ID filter)."""
    text = (ROOT / "tests" / "plans" / "valid" / "minimal.yaml").read_text()
    servers = "".join(f"      - hostname: h{i}\n        source_server_id: s-{i:017d}\n" for i in range(201))
    (plans_dir / "big.yaml").write_text(text.split("    servers:")[0] + "    servers:\n" + servers)
    bag = _dagbag()
    assert "minimal__wave__w1" not in bag.dags and not any(d.startswith("minimal__") for d in bag.dags)
    assert "MIG009" in bag.dags["invalid_plan__big"].doc_md
