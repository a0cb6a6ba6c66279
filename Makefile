# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-faults lint typecheck unit bench bench-quick bench-peers bench-decisions bench-integrity clean screenshots

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
	$(BIN)/ruff check ledger projections api tests bench examples

typecheck: install
	$(BIN)/mypy ledger projections api

test: lint typecheck
	$(BIN)/pytest -q

# Every fault test, the ten-minute soak on each store included (tests/faults/soak.py), with
# more kills than the quick run in `make test`.
test-faults: install
	LEDGER_FAULT_KILLS=6 $(BIN)/pytest -q -m "" tests/faults

# The README's pictures of the pages, from the browser test (needs Debian's chromium).
screenshots: install
	LEDGER_SCREENSHOTS=1 $(BIN)/pytest -q tests/browser

unit: install
	$(BIN)/pytest tests/unit

# bench/run.py: the ledger against its peers and the machine's limit, SQLite and PostgreSQL in one
# run (bench/README.md). bench-quick: about 50,000 events; bench: about 1,000,000 events.
BENCH_STAMP := $(VENV)/.bench-stamp

$(BENCH_STAMP): bench/requirements.txt $(STAMP)
	$(BIN)/python -m pip install --quiet -r bench/requirements.txt
	touch $(BENCH_STAMP)

bench-peers: $(BENCH_STAMP)
	@command -v wrk >/dev/null || apt-get install -y wrk || (apt-get update && apt-get install -y wrk) \
		|| { echo "bench: wrk is needed (Debian package wrk)"; exit 1; }

bench-quick: bench-peers
	$(BIN)/python bench/run.py --size quick

bench: bench-peers
	$(BIN)/python bench/run.py --size full

bench-decisions: install
	$(BIN)/python bench/decisions.py

bench-integrity: install
	$(BIN)/python bench/integrity.py

clean:
	rm -rf $(VENV) build *.egg-info
