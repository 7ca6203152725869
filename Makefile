# wholeplace: `make demo` sets up and serves the demo; `make test` sets up and runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
GOVUK_DIST := node_modules/govuk-frontend/dist/govuk
STATIC := src/wholeplace/web/static/govuk
export WHOLEPLACE_DATABASE_URL ?= sqlite:///var/wholeplace.db

.PHONY: setup demo serve test e2e lint fmt assets clean docs bench

setup: $(VENV)/.installed $(STATIC)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# GOV.UK Frontend is served from the install, never from a CDN.
$(STATIC)/.installed: node_modules/.installed
	rm -rf $(STATIC) && mkdir -p $(STATIC)
	cp $(GOVUK_DIST)/govuk-frontend.min.css $(GOVUK_DIST)/govuk-frontend.min.js $(STATIC)/
	cp -r $(GOVUK_DIST)/assets $(STATIC)/assets
	touch $@

assets: $(STATIC)/.installed

demo: setup
	$(BIN)/wholeplace demo load
	$(BIN)/wholeplace serve

serve: setup
	$(BIN)/wholeplace serve

# Database tests run on SQLite and on PostgreSQL (WHOLEPLACE_TEST_DATABASE_URL); browser tests drive chromium.
test: setup
	$(BIN)/ruff check src tests
	$(BIN)/pytest -n 2 -p no:cacheprovider

# Benchmarks against peers, each printing its ratio; not part of `make test`.
bench: setup
	$(BIN)/python bench/ledger.py
	$(BIN)/python bench/appraisal.py
	$(BIN)/python bench/cases.py
	$(BIN)/python bench/linkage.py --million
	$(BIN)/python bench/outcomes.py
	$(BIN)/python bench/crash.py
	$(BIN)/python bench/load.py

e2e: setup
	$(BIN)/pytest -m browser

lint: setup
	$(BIN)/ruff check src tests

fmt: setup
	$(BIN)/ruff check --fix src tests
	$(BIN)/ruff format src tests

clean:
	rm -rf $(VENV) node_modules $(STATIC) var

# The CLI and settings reference pages are generated from the code; tests/test_docs.py keeps them fresh.
docs: setup
	$(BIN)/python -m wholeplace.reference .
