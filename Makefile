# engage: `make run` serves the demo, `make test` runs the whole suite. Both set themselves up.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export FLASK_APP := engage
# The suite runs a second time against this server when it answers (CI always has one).
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: install run test test-sqlite test-postgres lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load --if-empty
	$(BIN)/flask demo logins
	SCHEDULER_ENABLED=true $(BIN)/flask run --host 127.0.0.1 --port 5000

# The two runs share nothing, so they run side by side on two cores; each run's output is
# printed whole when it ends.
test: install
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

test-sqlite: install
	$(BIN)/pytest

test-postgres: install
	@if $(BIN)/python -m tests.pg_available "$(PG_TEST_URL)"; then \
		echo "== Running the suite again against PostgreSQL ($(PG_TEST_URL)) =="; \
		ENGAGE_TEST_DATABASE_URL="$(PG_TEST_URL)" $(BIN)/pytest -m "not e2e"; \
	else \
		echo "!! PostgreSQL is not reachable at $(PG_TEST_URL): the PostgreSQL run is SKIPPED."; \
		echo "!! Start it (or set PG_TEST_URL) to test against PostgreSQL too."; \
		if [ -n "$$CI" ]; then echo "!! CI must test PostgreSQL: failing."; exit 1; fi; \
	fi

lint: install
	$(BIN)/ruff check engage tests bench
	$(BIN)/mypy engage

bench: install
	$(BIN)/python bench/directory_import.py
	$(BIN)/python bench/campaign_pages.py
	$(BIN)/python bench/scan_throughput.py
	$(BIN)/python bench/email_delivery.py
	$(BIN)/python bench/uptake_import.py
	$(BIN)/python bench/insights.py
	$(BIN)/python bench/reminders.py
	$(BIN)/python bench/queue_bulletin.py
	$(BIN)/python bench/startup.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache test-output
