# Two commands for a fresh machine:
#   make run   set everything up, load the demo plans and serve on http://127.0.0.1:$(PORT)
#   make test  set everything up with the test extras and run the whole suite
#   make bench the load benchmark at national scale (README, "Benchmark")
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
# Links in emails must open where the app is served: BASE_URL follows PORT unless it is set already.
BASE_URL ?= http://127.0.0.1:$(PORT)
FLASK := $(BIN)/flask --app wsgi
PYTEST_ARGS ?= -n 2

.PHONY: run test bench setup setup-test assets db lint audit clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Re-install only when the package metadata changes.
$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-bench: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[bench]'
	touch $@ $(VENV)/.installed

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

static/dist/app.css: node_modules/.package-lock.json scripts/build-assets.mjs $(wildcard static/src/*)
	node scripts/build-assets.mjs

assets: static/dist/app.css

setup: $(VENV)/.installed assets

setup-test: $(VENV)/.installed-test assets

db: setup
	$(FLASK) db upgrade

# The scheduler (reminders, outbox) runs beside the development server and stops with it; both are
# given the same BASE_URL, so the links in the emails the scheduler sends open on this server.
run: db
	$(FLASK) seed-demo
	@echo "Serving on http://127.0.0.1:$(PORT) (Ctrl+C to stop). Emails go to instance/outbox/ unless SMTP_HOST is set."
	BASE_URL='$(BASE_URL)' $(FLASK) scheduler run & scheduler=$$!; trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	BASE_URL='$(BASE_URL)' $(FLASK) run --host 127.0.0.1 --port $(PORT)

# Static checks first (ruff; bandit over the app; pip-audit over the installed packages, which fails
# on a known vulnerability and lists what PyPI could not be asked about: AUDIT_REQUIRED=1 fails on that
# too), then the tests.
test: setup-test
	$(BIN)/ruff check improvement_tracker tests migrations benchmarks wsgi.py gunicorn.conf.py
	$(BIN)/bandit -q -c pyproject.toml -r improvement_tracker
	$(BIN)/python scripts/audit_dependencies.py
	$(BIN)/pytest $(PYTEST_ARGS)

lint: setup-test
	$(BIN)/ruff check improvement_tracker tests migrations benchmarks wsgi.py gunicorn.conf.py
	$(BIN)/bandit -q -c pyproject.toml -r improvement_tracker

# National dataset, gunicorn (gunicorn.conf.py), PostgreSQL then SQLite: BENCH_ARGS="--db postgresql" etc.
bench: $(VENV)/.installed-bench assets
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

audit: setup-test
	$(BIN)/python scripts/audit_dependencies.py

clean:
	rm -rf $(VENV) node_modules static/dist
