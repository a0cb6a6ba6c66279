# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-faults lint typecheck unit bench bench-decisions bench-integrity clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/ledger serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check ledger projections api tests bench examples

typecheck: install
	$(BIN)/mypy ledger projections api

test: lint typecheck
	$(BIN)/pytest -q

# Every fault test, the ten-minute soak on each store included (tests/faults/soak.py), with
# more kills than the quick run in `make test`.
test-faults: install
	LEDGER_FAULT_KILLS=6 $(BIN)/pytest -q -m "" tests/faults

unit: install
	$(BIN)/pytest tests/unit

bench: bench-decisions bench-integrity

bench-decisions: install
	$(BIN)/python bench/decisions.py

bench-integrity: install
	$(BIN)/python bench/integrity.py

clean:
	rm -rf $(VENV) build *.egg-info
