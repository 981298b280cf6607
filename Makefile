# Set-up and everyday commands. Each target builds the virtual environment it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app cohort

.PHONY: run test lint bench mutation install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[run]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# The web server and the mail worker run together (Procfile); Ctrl-C stops both.
run: $(VENV)/.installed-run
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo "Cohort is at http://127.0.0.1:5000 (Ctrl-C stops it and the mail worker)."
	@echo "Unless COHORT_MAIL_SERVER is set, mail waits in the outbox: list it with '$(FLASK) show-mail', read one with '$(FLASK) show-mail ID'."
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start

# ruff with the bandit security rules (S) and others (pyproject.toml), and the formatting it expects.
lint: install-dev
	$(BIN)/ruff check cohort tests bench
	$(BIN)/ruff format --check cohort tests bench

test: lint
	$(BIN)/python -m pytest
	bash tests/postgres-pass.sh $(BIN)/python

# Every main page under wrk on a generated dataset, against a Flask hello world (README, "Benchmarks"):
# make bench BENCH_ARGS="--scale 5 --seconds 20". Needs wrk (apt-get install wrk).
bench: install-dev
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Mutation testing of the policy and the request layer (slow; not part of `make test` or CI).
# mutmut works in mutants/ and keeps its results there, so a second run retests only what changed;
# `rm -rf mutants` starts afresh. The closing lines give the score for each module.
mutation: install-dev
	$(BIN)/mutmut run
	$(BIN)/mutmut results
	@$(BIN)/mutmut results --all true | awk -F': ' '\
		{ match($$1, /cohort\.[a-z_]+/); module = substr($$1, RSTART, RLENGTH); total[module]++; \
		  if ($$2 == "killed" || $$2 == "timeout") killed[module]++ } \
		END { for (m in total) printf "%s: %d of %d mutants killed (%.1f%%)\n", m, killed[m], total[m], 100 * killed[m] / total[m] }'

clean:
	rm -rf $(VENV) .pytest_cache mutants
