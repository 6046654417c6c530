"""docker-compose.yaml, the Dockerfile and the Celery mode of the local Airflow are one deployment.

devstack/deployment.py describes it once; this compares each with it (docker itself cannot run here,
the Celery mode runs in tests/e2e).
"""

import sys
from pathlib import Path

import pytest
import yaml

from devstack import deployment
from devstack.celery_stack import CeleryStack

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yaml").read_text())["services"]


def airflow_services(services: dict) -> dict:
    return {name: s for name, s in services.items() if name in deployment.COMPONENTS}


def test_compose_runs_the_components_of_the_celery_mode(services, tmp_path):
    assert {n: tuple(s["command"].split()) for n, s in airflow_services(services).items()} == (
        deployment.COMPONENTS
    )
    assert services[deployment.WORKER]["deploy"]["replicas"] == deployment.CELERY_WORKERS
    assert services["postgres"]["image"] == deployment.POSTGRES_IMAGE
    assert services["redis"]["image"] == deployment.REDIS_IMAGE
    commands = CeleryStack(home=tmp_path, users={"admin": "admin"}).commands()
    workers = [args for args in commands.values() if args[:2] == ["celery", "worker"]]
    assert len(workers) == deployment.CELERY_WORKERS
    others = {tuple(args) for args in commands.values() if args[:2] != ["celery", "worker"]}
    assert others == {c for c in deployment.COMPONENTS.values() if c != ("celery", "worker")}


def test_compose_and_the_celery_mode_share_every_setting(services, tmp_path):
    shared, site = deployment.SETTINGS, set(deployment.SITE_SETTINGS)
    for name, service in airflow_services(services).items():
        env = service["environment"]
        assert set(env) == set(shared) | site, name
        assert {k: str(env[k]) for k in shared} == shared, name
    local = CeleryStack(home=tmp_path, users={"admin": "admin"}).env()
    assert {k: local[k] for k in shared} == shared
    assert site <= set(local)
    compose = services["airflow-scheduler"]["environment"]
    for key, scheme in (
        ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "postgresql+psycopg2://"),
        ("AIRFLOW__CELERY__RESULT_BACKEND", "db+postgresql+psycopg2://"),
        ("AIRFLOW__CELERY__BROKER_URL", "redis://"),
    ):
        assert compose[key].startswith(scheme) and local[key].startswith(scheme), key
    # No literal password: every one comes from the environment.
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${AIRFLOW_DB_PASSWORD")
    assert ":${AIRFLOW_DB_PASSWORD" in compose["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]


def test_the_image_has_the_pins_of_the_venv():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert f"FROM {deployment.AIRFLOW_IMAGE}\n" in dockerfile
    python = f"python{sys.version_info.major}.{sys.version_info.minor}"
    assert f"apache/airflow:{deployment.pinned('apache-airflow')}-{python}" == deployment.AIRFLOW_IMAGE
    assert "pip install --no-cache-dir -r /opt/airflow/requirements.txt" in dockerfile
    assert "COPY requirements.txt constraints.txt" in dockerfile  # requirements.txt reads -c constraints.txt
    for name in ("apache-airflow-providers-celery", "celery", "redis"):
        assert deployment.pinned(name)


def test_the_image_and_make_venv_apply_the_same_airflow_patches():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "COPY patches/" in dockerfile and "patches/apply.sh" in dockerfile
    assert "patches/apply.sh" in (ROOT / "Makefile").read_text()
    version = deployment.pinned("apache-airflow")
    patches = sorted((ROOT / "patches").glob("*.patch"))
    assert patches and all(p.name.startswith(f"airflow-{version}-") for p in patches)


def test_every_requirement_is_pinned_exactly():
    for name in ("requirements.txt", "requirements-dev.txt", "constraints.txt"):
        for line in (ROOT / name).read_text().splitlines():
            line = line.split("#")[0].strip()
            if line and not line.startswith("-c"):
                assert "==" in line and not any(op in line for op in (">=", "<=", "~=", ">", "<")), (
                    name,
                    line,
                )
