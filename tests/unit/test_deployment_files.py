"""The deployment files stay consistent with the project (docker itself cannot run on this machine)."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_runs_the_pinned_airflow_with_a_triggerer_and_celery():
    compose = yaml.safe_load((ROOT / "docker-compose.yaml").read_text())
    services = compose["services"]
    assert {
        "postgres",
        "airflow-scheduler",
        "airflow-triggerer",
        "airflow-worker",
        "airflow-apiserver",
    } <= set(services)
    env = services["airflow-scheduler"]["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql")
    pinned = [
        line
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.startswith("apache-airflow==")
    ]
    assert pinned == ["apache-airflow==3.3.2"]
    assert "apache/airflow:3.3.2-python3.11" in (ROOT / "Dockerfile").read_text()
    # No literal password: every one comes from the environment.
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${AIRFLOW_DB_PASSWORD")
    assert ":${AIRFLOW_DB_PASSWORD" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]


def test_every_requirement_is_pinned_exactly():
    for name in ("requirements.txt", "requirements-dev.txt", "constraints.txt"):
        for line in (ROOT / name).read_text().splitlines():
            line = line.split("#")[0].strip()
            if line and not line.startswith("-c"):
                assert "==" in line and not any(op in line for op in (">=", "<=", "~=", ">", "<")), (
                    name,
                    line,
                )


def test_the_image_and_make_venv_apply_the_same_airflow_patches():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "COPY patches/" in dockerfile and "patches/apply.sh" in dockerfile
    assert "patches/apply.sh" in (ROOT / "Makefile").read_text()
    pinned = next(
        line.split("==")[1]
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.startswith("apache-airflow==")
    )
    patches = sorted((ROOT / "patches").glob("*.patch"))
    assert patches and all(p.name.startswith(f"airflow-{pinned}-") for p in patches)
