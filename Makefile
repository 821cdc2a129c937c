# One command per habit. Two virtual environments, each created on first use from
# the Python 3.11+ found as $(PYTHON): .venv-learner (what the notebooks need, for
# make start) and .venv (the course with the maintainer's and instructor's tools).
PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
LEARNER_VENV ?= .venv-learner
LEARNER_BIN  := $(LEARNER_VENV)/bin
export PATH := $(abspath $(BIN)):$(PATH)
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)
LINTED := src tests benchmarks solutions
# Solution notebooks whose every code cell passes mypy --strict as IPython runs it (course
# typecheck; docs/authoring.md). The learner's package, from every notebook, always does.
TYPED_CELLS := 00-orientation 01-schemas 02-models 03-repositories 04-services 05-routers 06-errors 07-testing 08-migrations 09-security 10-performance 11-capstone
CHECK_PYTHON = @$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(0 if v >= (3, 11) else f"Python 3.11+ is needed, $(PYTHON) is {v.major}.{v.minor}: run make PYTHON=python3.12 ...")'

.DEFAULT_GOAL := help
.PHONY: help setup learner start test lint format release outputs bench bench-service bench-race grade report bench-grade mutants clean

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(CHECK_PYTHON)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/course lab-mode instructor
	@touch $@

$(LEARNER_VENV)/.installed: pyproject.toml
	$(CHECK_PYTHON)
	$(PYTHON) -m venv $(LEARNER_VENV)
	$(LEARNER_BIN)/python -m pip install --quiet --upgrade pip
	$(LEARNER_BIN)/python -m pip install --quiet -e .
	$(LEARNER_BIN)/course lab-mode learner
	@touch $@

setup: $(STAMP) ## create .venv and install the course with the maintainer's tools

learner: $(LEARNER_VENV)/.installed ## create .venv-learner: only what the notebooks need

# Without PORT, JupyterLab takes 8888 or, when that is taken, the next free port;
# LAB_ARGS passes more options to jupyter lab.
start: learner ## open the course in JupyterLab (PORT=9000 to choose, NO_BROWSER=1 to only print the URL)
	PATH="$(abspath $(LEARNER_BIN)):$$PATH" $(LEARNER_BIN)/jupyter lab \
		--ServerApp.root_dir="$(CURDIR)" \
		--LabApp.default_url=/lab/tree/notebooks/00-orientation/00-orientation.ipynb \
		--ServerApp.ip=127.0.0.1 $(ALLOW_ROOT) $(if $(NO_BROWSER),--no-browser,) \
		$(if $(PORT),--ServerApp.port=$(PORT) --ServerApp.port_retries=0,) $(LAB_ARGS)

test: $(STAMP) ## run the whole test suite (helpers, notebooks, release, grading)
	$(BIN)/pytest -n auto

lint: $(STAMP) ## ruff lint and format check (notebooks included), mypy --strict (notebooks too)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy
	$(BIN)/course typecheck --cells $(TYPED_CELLS)

format: $(STAMP) ## apply ruff's fixes and formatting (then run make release)
	$(BIN)/ruff check --fix $(LINTED)
	$(BIN)/ruff format $(LINTED)

release: $(STAMP) ## regenerate notebooks/ (student versions) from solutions/
	$(BIN)/course release

outputs: $(STAMP) ## re-execute the solution notebooks in place (NB="01-schemas" for one)
	$(BIN)/course outputs $(NB)

bench: $(STAMP) ## both environments (install time, size), time to the first cell; each notebook; the suite
	$(BIN)/python benchmarks/install.py
	$(BIN)/python benchmarks/bench.py

bench-service: $(STAMP) ## GET /books of the reference service against in-memory FastAPI, over HTTP
	$(BIN)/python benchmarks/bench_service.py

bench-race: $(STAMP) ## 50 borrowers of the last copy over real HTTP, on SQLite and PostgreSQL
	$(BIN)/python benchmarks/race.py

grade: $(STAMP) ## grade a class: make grade A=01-schemas [COURSE=path] (docs/instructors.md)
	$(BIN)/course grade $(A) --course $(or $(COURSE),.)

report: $(STAMP) ## the graded class at a glance: make report A=01-schemas [COURSE=path] [RUN=run.json]
	$(BIN)/course report $(A) --course $(or $(COURSE),.) $(if $(RUN),--run-report $(RUN),)

bench-grade: $(STAMP) ## a synthetic class graded by the course's grader and by plain nbgrader
	$(BIN)/python benchmarks/bench_grade.py

mutants: $(STAMP) ## mutate each answer, count the mutants its tests kill (NB="04-services" for one)
	$(BIN)/python benchmarks/mutation.py --survivors $(NB)

clean: ## remove the virtual environments and caches (not your workspace)
	rm -rf $(VENV) $(LEARNER_VENV) .pytest_cache .ruff_cache test-artifacts
