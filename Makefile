# orders-pipeline: every command a developer or CI needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SAMPLE := assessment_assets/sample_orders.csv

.PHONY: help install run demo test lint format typecheck pytest dockerfile-lint terraform-check bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## create .venv and install the project with its dev tools

run: $(STAMP) ## compute the reports of the sample file (reports/sample_orders/)
	$(BIN)/orders run-local $(SAMPLE)

demo: $(STAMP) ## the whole pipeline on a local moto server: upload, queue, handler, reports
	rm -rf reports/demo
	$(BIN)/orders demo --keep reports/demo
	$(BIN)/orders query cumulative_most_profitable_region --local reports/demo

test: lint typecheck pytest dockerfile-lint terraform-check ## everything CI runs

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
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/bench_engine.py $${FILE:+--file $$FILE} --rows $${ROWS:-5000000}

clean: ## remove the virtualenv, caches and local outputs
	rm -rf $(VENV) .venv-checkov .mypy_cache .ruff_cache .pytest_cache .hypothesis reports *.egg-info
