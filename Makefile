# smsurvey — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
DEV_INSTALLED := $(VENV)/.installed-dev

.PHONY: run test install lint format bench screenshots services clean

run: $(INSTALLED)  ## install, migrate and start the server on SQLite with the simulator
	$(BIN)/smsurvey migrate
	$(BIN)/smsurvey users bootstrap
	$(BIN)/smsurvey serve

test: $(DEV_INSTALLED) services  ## lint and run the whole suite (SQLite and PostgreSQL)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy
	$(BIN)/pytest

install: $(INSTALLED)

# What running needs: the package and its dependencies (about 1 minute the first time).
$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing smsurvey and what it needs to run into $(VENV) …"
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install -e .
	touch $@

# The test, lint and benchmark tools on top (the [dev] extra: Playwright, mypy, provider SDKs,
# Qualtrics clients …). qualtrics-api installs a module named like the qualtrics SDK's, so it
# goes to a folder of its own that tests/clients/test_qualtrics_api_cmu.py imports it from.
$(DEV_INSTALLED): $(INSTALLED)
	@echo "Installing the test, lint and benchmark tools ([dev]) into $(VENV) …"
	$(BIN)/python -m pip install -e '.[dev]'
	$(BIN)/python -m pip install --quiet --no-deps --upgrade --target $(VENV)/clients/qualtrics-api qualtrics-api==1.0.5
	touch $@

services:  ## make sure PostgreSQL and Redis listen on 127.0.0.1 (installs them on a bare machine)
	scripts/test-services.sh

lint: $(DEV_INSTALLED)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy

format: $(DEV_INSTALLED)
	$(BIN)/ruff check --fix src tests bench scripts
	$(BIN)/ruff format src tests bench scripts

bench: $(DEV_INSTALLED)  ## run the benchmarks (they print figures; a JSON line last)
	$(BIN)/python bench/segments.py
	$(BIN)/python bench/import_contacts.py
	$(BIN)/python bench/send_throughput.py
	$(BIN)/python bench/inbound.py
	$(BIN)/python bench/api_under_load.py
	$(BIN)/python bench/survey_holds.py
	$(BIN)/python bench/chaos_send.py

SHOWN := sign-in home surveys survey survey-responses contacts contacts-import-columns \
	contacts-import-done contact distribution-new story-confirm story-phone \
	story-distribution providers provider credits subscriptions user tokens
screenshots: $(DEV_INSTALLED) services  ## refresh docs/images/admin/ from the browser tests' screenshots
	rm -rf screenshots
	$(BIN)/pytest -q -k sqlite tests/web
	mkdir -p docs/images/admin
	for name in $(SHOWN); do cp screenshots/$$name.png docs/images/admin/; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis build src/*.egg-info
