# market_pay: `make demo` serves the demo on http://127.0.0.1:8000, `make test` runs every test,
# `make test-fast` the quick subset, `make lint` checks style and types, `make format` rewrites
# the code into the house format.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml setup.py | cksum | cut -d' ' -f1)
DEMO_ENV := MARKET_PAY_DEMO=1

.PHONY: demo test test-fast lint lint-imports format install clean

install: $(STAMP)

$(STAMP): pyproject.toml setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,lint]"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

demo: $(STAMP)
	$(DEMO_ENV) $(BIN)/market-pay db upgrade
	$(DEMO_ENV) $(BIN)/market-pay demo
	@echo "Serving http://127.0.0.1:8000  (Ctrl-C stops)"
	$(DEMO_ENV) $(BIN)/gunicorn --workers 2 --threads 32 --bind 127.0.0.1:8000 wsgi:app

# Tests run in parallel processes (pytest-xdist), one per CPU; TEST_WORKERS=0 runs them in this one.
TEST_WORKERS ?= auto

test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# The quick loop while editing: SQLite only, without the slow end-to-end and browser tests and the fuzzing.
test-fast: $(STAMP)
	env -u MARKET_PAY_TEST_DATABASE_URL $(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not slow" --ignore=tests/fuzz $(PYTEST_ARGS)

# ruff and mypy read their settings from pyproject.toml.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy market_pay
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff check --select I --fix .
	$(BIN)/ruff format .

# The dependency directions of docs/ARCHITECTURE.md (contracts in pyproject.toml).
lint-imports: $(STAMP)
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache .mypy_cache
