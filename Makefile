# The project's stable interface: users, CI and other issues call these targets.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PLAN ?= include/plans/example.yaml
PORT ?= 4566
PYTEST_ARGS ?=

.PHONY: venv databases test validate lint show plan-from-aws plan-from-csv sandbox demo rehearse campaign fmt check clean

venv: $(STAMP)

# Rebuilt when a requirements, constraints or patch file changes (stale), or when missing.
$(STAMP): requirements.txt requirements-dev.txt constraints.txt $(wildcard patches/*.patch) patches/apply.sh
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==25.3
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	@# Fixes carried until upstream releases them (patches/*.patch; README "Known issues").
	@PYTHON=$(PY) patches/apply.sh
	@# The project's own import roots (Airflow adds plugins/ itself; tests and CLIs need all three).
	@printf '%s\n' "$(CURDIR)/include" "$(CURDIR)/plugins" "$(CURDIR)" > $$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/migration_project.pth
	@touch $(STAMP)

# Local PostgreSQL (wal_level=logical) and MariaDB (ROW binlog) for the CDC tests and rehearsals; needs root.
databases:
	@devstack/databases.sh

test: venv
	$(PY) -m pytest $(PYTEST_ARGS)

validate: venv
	@$(PY) -m migration_plan validate $(PLAN)

lint: venv
	@$(PY) -m migration_plan lint $(PLAN) $(if $(filter 1 true yes,$(STRICT)),--strict,)

show: venv
	@$(PY) -m migration_plan show $(PLAN)

# Draft a plan from an account (MGN, DMS, Route 53) or from MGN's import CSV / CMF's intake CSV.
plan-from-aws: venv
	@$(PY) -m plan_import aws --out $(or $(OUT),$(error OUT=p.yaml is required)) $(if $(ENDPOINT_URL),--endpoint-url $(ENDPOINT_URL),) $(if $(REGION),--region $(REGION),) $(if $(NAME),--name $(NAME),)

plan-from-csv: venv
	@$(PY) -m plan_import csv $(or $(CSV),$(error CSV=file.csv is required)) --out $(or $(OUT),$(error OUT=p.yaml is required)) $(if $(REGION),--region $(REGION),) $(if $(NAME),--name $(NAME),)

sandbox: venv
	$(PY) -m sandbox --port $(PORT) $(if $(CONFIG),--config $(CONFIG),) $(if $(STATE_DIR),--state-dir $(STATE_DIR),)

# The demo plan's wave, end to end: sandbox + local Airflow; AUTO_APPROVE=1 answers the gates;
# EXECUTOR=celery runs it on the CeleryExecutor deployment (PostgreSQL, Redis, two workers).
demo: venv
	$(PY) -m devstack.demo $(if $(filter 1 true yes,$(AUTO_APPROVE)),--auto-approve,) $(if $(EXECUTOR),--executor $(EXECUTOR),)

# Every DAG of a plan against the sandbox on a local Airflow: databases first, then the waves.
rehearse: venv
	$(PY) -m devstack.rehearse $(PLAN) $(if $(WORLD),--world $(WORLD),) $(if $(filter 1 true yes,$(AUTO_APPROVE)),--auto-approve,)

# The plan's campaign DAG on a local Airflow against the sandbox: every wave and database in the campaign's order.
campaign: venv
	$(PY) -m devstack.rehearse $(PLAN) --campaign $(if $(WORLD),--world $(WORLD),) $(if $(filter 1 true yes,$(AUTO_APPROVE)),--auto-approve,)

check: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
