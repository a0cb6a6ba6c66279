# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint typecheck unit bench bench-decisions bench-integrity clean screenshots

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: install
	@echo "Sign-in page: http://$(HOST):$(PORT)/sign-in"
	@echo "First token:  $(BIN)/ledger token --agency ledger-admin --actor admin --role admin"
	@echo "              (sign in with it to register agencies and mint the others' tokens)"
	$(BIN)/ledger serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check ledger projections api tests bench

typecheck: install
	$(BIN)/mypy ledger projections api

test: lint typecheck
	$(BIN)/pytest -q

# The README's pictures of the pages, from the browser test (needs Debian's chromium).
screenshots: install
	LEDGER_SCREENSHOTS=1 $(BIN)/pytest -q tests/browser

unit: install
	$(BIN)/pytest tests/unit

bench: bench-decisions bench-integrity

bench-decisions: install
	$(BIN)/python bench/decisions.py

bench-integrity: install
	$(BIN)/python bench/integrity.py

clean:
	rm -rf $(VENV) build *.egg-info
