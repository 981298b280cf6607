# Set-up and everyday commands. Each target builds the virtual environment it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app cohort

.PHONY: run test install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo "Cohort is at http://127.0.0.1:5000 (Ctrl-C stops it)."
	$(FLASK) run --host 127.0.0.1 --port 5000

test: install-dev
	$(BIN)/ruff check cohort tests
	$(BIN)/python -m pytest
	bash tests/postgres-pass.sh $(BIN)/python

clean:
	rm -rf $(VENV) .pytest_cache
