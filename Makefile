# market_pay: `make demo` serves the demo on http://127.0.0.1:8000, `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat setup.cfg | cksum | cut -d' ' -f1)
DEMO_ENV := MARKET_PAY_DEMO=1

.PHONY: demo test install clean lint-imports

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

demo: $(STAMP)
	$(DEMO_ENV) $(BIN)/market-pay db upgrade
	$(DEMO_ENV) $(BIN)/market-pay demo
	@echo "Serving http://127.0.0.1:8000  (Ctrl-C stops)"
	$(DEMO_ENV) $(BIN)/gunicorn --workers 2 --threads 32 --bind 127.0.0.1:8000 wsgi:app

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The dependency directions of docs/ARCHITECTURE.md (contracts in pyproject.toml).
lint-imports: $(STAMP)
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) instance .pytest_cache
