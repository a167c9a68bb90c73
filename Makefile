# castpub: `make feeds` builds the show into feeds/, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
# VENV=/path/to/venv (make's command line or environment) reuses a castpub installed there.
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: feeds refresh test lint format golden bench clean

$(BIN)/castpub: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test-deps: $(BIN)/castpub
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

feeds: $(BIN)/castpub
	$(BIN)/castpub build

refresh: $(BIN)/castpub
	$(BIN)/castpub build --refresh

lint: $(VENV)/.test-deps
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

format: $(VENV)/.test-deps
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

test: lint
	$(BIN)/pytest -q

golden: $(VENV)/.test-deps
	CASTPUB_REGENERATE_GOLDEN=1 $(BIN)/pytest -q tests/test_golden.py

# Builds a synthetic show of 1 000 and 10 000 episodes cold, unchanged, after adding and after
# editing one episode, and the same corpus with Hugo when it is installed (apt-get install hugo).
bench: $(BIN)/castpub
	$(BIN)/python bench/run.py --save bench/results/latest.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .castpub-cache
