# One command per habit. Everything runs inside .venv, created on first use
# from the Python 3.11+ found as $(PYTHON).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export PATH := $(abspath $(BIN)):$(PATH)
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)
LINTED := src tests benchmarks solutions

.DEFAULT_GOAL := help
.PHONY: help setup start test lint format release outputs bench grade bench-grade clean

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(0 if v >= (3, 11) else f"Python 3.11+ is needed, $(PYTHON) is {v.major}.{v.minor}: run make PYTHON=python3.12 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

setup: $(STAMP) ## create .venv and install the course and its tools

start: $(STAMP) ## open the course in JupyterLab (NO_BROWSER=1 to only print the URL)
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" \
		--LabApp.default_url=/lab/tree/notebooks/00-orientation/00-orientation.ipynb \
		--ServerApp.ip=127.0.0.1 $(ALLOW_ROOT) $(if $(NO_BROWSER),--no-browser,)

test: $(STAMP) ## run the whole test suite (helpers, notebooks, release, grading)
	$(BIN)/pytest -n auto

lint: $(STAMP) ## ruff lint and format check (notebooks included), mypy --strict
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy

format: $(STAMP) ## apply ruff's fixes and formatting (then run make release)
	$(BIN)/ruff check --fix $(LINTED)
	$(BIN)/ruff format $(LINTED)

release: $(STAMP) ## regenerate notebooks/ (student versions) from solutions/
	$(BIN)/course release

outputs: $(STAMP) ## re-execute the solution notebooks in place (NB="01-schemas" for one)
	$(BIN)/course outputs $(NB)

bench: $(STAMP) ## time each notebook's execution and autograding, and the test suite
	$(BIN)/python benchmarks/bench.py

grade: $(STAMP) ## grade a class: make grade A=01-schemas [COURSE=path] (docs/instructors.md)
	$(BIN)/course grade $(A) --course $(or $(COURSE),.)

bench-grade: $(STAMP) ## a synthetic class graded by the course's grader and by plain nbgrader
	$(BIN)/python benchmarks/bench_grade.py

clean: ## remove the virtual environment and caches (not your workspace)
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
