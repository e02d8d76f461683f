# The two commands that matter: `make report` and `make test`. Both create .venv and install the project.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: install report test lint format lab clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name escalation --display-name "escalation (.venv)" >/dev/null
	touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

install: $(STAMP)

report: $(STAMP)
	$(BIN)/escalation report

# Two pytest-xdist workers, each taking whole test files (a file's servers, browsers and Lab
# start once): on 2 cores the suite takes about 13 minutes instead of 17. The shipped site is
# still built once, by the first worker that needs it (tests/conftest.py). PYTEST_ARGS= runs
# the suite in one process; PYTEST_ARGS="-n 4 --dist loadfile" on a bigger machine.
PYTEST_ARGS ?= -n 2 --dist loadfile

test: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# JupyterLab refuses to run as root without --allow-root: pass it only when the user is root
# (containers, CI). LAB_DIR is the folder Lab opens; LAB_ARGS adds options (the Lab browser test
# sets both: a temporary folder, port, token).
ALLOW_ROOT = $(if $(filter 0,$(shell id -u)),--allow-root)
LAB_DIR ?= notebooks
LAB_ARGS ?=

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=$(LAB_DIR) $(ALLOW_ROOT) $(LAB_ARGS)

clean:
	rm -rf $(VENV) reports/site .pytest_cache
