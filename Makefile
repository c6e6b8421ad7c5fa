# orders-pipeline: every command a developer or CI needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SAMPLE := assessment_assets/sample_orders.csv
LOCK   := requirements/dev.txt

.PHONY: help install lock check-lock run demo test e2e arm64-check lint format typecheck pytest \
	dockerfile-lint terraform-check bench clean

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

# Exactly the locked versions (hashes checked), then the project itself without touching them:
# no resolver runs, so a new release of any dependency cannot change what gets installed.
$(STAMP): $(LOCK) setup.cfg pyproject.toml
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP) ## create .venv with the locked dependencies and the project (editable)

lock: $(STAMP) ## regenerate every lock file from setup.cfg's ranges (needs PyPI)
	$(BIN)/python scripts/lock.py

check-lock: ## fail with one line when setup.cfg and the lock files disagree
	$(PYTHON) scripts/lock.py --check

run: $(STAMP) ## compute the reports of the sample file (reports/sample_orders/)
	$(BIN)/orders run-local $(SAMPLE)

demo: $(STAMP) ## the whole pipeline on a local moto server: upload, queue, handler, reports
	rm -rf reports/demo
	$(BIN)/orders demo --keep reports/demo
	$(BIN)/orders query cumulative_most_profitable_region --local reports/demo

test: check-lock lint typecheck pytest dockerfile-lint terraform-check ## the checks and the test suite (CI runs this, then e2e)

e2e: $(STAMP) ## apply the real Terraform root to a local moto server, run the pipeline through it, destroy (~4 min)
	timeout 900 $(BIN)/pytest tests/e2e -p no:cacheprovider

arm64-check: $(STAMP) ## optional: the engine under QEMU as Graviton2 (neoverse-n1) vs the host, byte for byte
	bash scripts/arm64-check.sh

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP) ## apply ruff's formatting and safe fixes
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(STAMP) ## mypy (strict) on the package and the CLI
	$(BIN)/mypy

pytest: $(STAMP) ## the Python test suite
	$(BIN)/pytest

dockerfile-lint: $(STAMP) ## hadolint on the Dockerfile
	$(BIN)/hadolint Dockerfile

terraform-check: $(STAMP) ## fmt, validate, terraform test, checkov (offline)
	bash scripts/terraform-check.sh

bench: $(STAMP) ## engine vs naive Polars, naive DuckDB, pandas on 5M generated rows (ROWS=..., FILE=...)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements/bench.txt
	$(BIN)/python benchmarks/bench_engine.py $${FILE:+--file $$FILE} --rows $${ROWS:-5000000}

clean: ## remove the virtualenv, caches and local outputs
	rm -rf $(VENV) .venv-checkov .mypy_cache .ruff_cache .pytest_cache .hypothesis reports *.egg-info
