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

test: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

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
