# OpenOrchestrator Console: `make run` serves the console on the demo database, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Demo only: the key that encrypts the demo database's credentials. Never use it for real data.
DEMO_KEY := lKny5NQPtx5B_7mFh8JxO7OaxN4o_t_4THJujLGDIBM=

.PHONY: run test lint format install clean bench loadtest time-to-content messages

# Runtime packages for `make run`; test packages (OpenOrchestrator itself, pytest, Playwright, ruff, mypy) on top for `make test`.
$(VENV)/.runtime: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 or newer is needed ($(PYTHON))."; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { echo "Could not create a virtual environment: on Debian run 'apt-get install python3-venv'."; exit 1; }
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.test: $(VENV)/.runtime requirements-test.txt
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-test.txt
	@touch $@

# axe-core for the browser tests' accessibility checks (tests/e2e/package-lock.json); without npm
# those tests skip and say why.
AXE := tests/e2e/node_modules/axe-core/axe.min.js
$(AXE): tests/e2e/package-lock.json
	@if command -v npm >/dev/null; then \
	  npm ci --prefix tests/e2e --ignore-scripts --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm is not installed: the accessibility tests will be skipped (on Debian: apt-get install npm)."; fi

install: $(VENV)/.test $(AXE)

# Without OpenOrchestratorSQL: the demo database, built once (var/demo-orchestrator.sqlite3) and
# moved to the present on every start; demo_pulse plays its live Schedulers beside waitress.
run: $(VENV)/.runtime
	@export CONSOLE_LOCAL_USER="$${CONSOLE_LOCAL_USER:-$${USER:-local-admin}}"; \
	demo=; if [ -z "$$OpenOrchestratorSQL$$OpenOrchestratorConnString" ]; then demo=1; export OpenOrchestratorKey="$${OpenOrchestratorKey:-$(DEMO_KEY)}"; fi; \
	set -e; \
	$(PY) manage.py migrate --noinput -v0; \
	$(PY) manage.py collectstatic --noinput -v0; \
	if [ -n "$$demo" ]; then \
		$(PY) manage.py demo_data --if-missing; \
		$(PY) manage.py demo_pulse & pulse=$$!; \
		trap 'kill $$pulse 2>/dev/null || true' EXIT; \
	fi; \
	echo "OpenOrchestrator Console on http://$(HOST):$(PORT)/ (local sign-in as $$CONSOLE_LOCAL_USER; Ctrl+C stops)"; \
	$(VENV)/bin/waitress-serve --listen=$(HOST):$(PORT) --threads=8 orchestrator_site.wsgi:application

test: lint $(AXE)
	$(PY) tests/run.py

lint: $(VENV)/.test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(VENV)/.test
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(VENV)/.test
	$(PY) bench/run.py $(BENCH_ARGS)

loadtest: $(VENV)/.test
	$(PY) bench/loadtest.py $(BENCH_ARGS)

# Navigation start to the main table's first row (dashboard: its panels) in Debian's Chromium.
time-to-content: $(VENV)/.test
	$(PY) bench/time_to_content.py $(BENCH_ARGS)

# The Danish catalogues: collect the marked strings of each app (the site-wide templates go to
# orchestrator_site's), then compile them. Needs GNU gettext (apt-get install gettext); the
# compiled .mo files are committed, so running the console does not.
APPS := orchestrator_site dashboard queues triggers logs vault alerts demo
messages: export CONSOLE_LOCAL_USER ?= messages
messages: $(VENV)/.runtime
	@for app in $(APPS); do mkdir -p $$app/locale; done
	$(PY) manage.py makemessages -l da --add-location=file --no-obsolete -i '.venv/*' -i 'tests/*' -i 'bench/*' -i 'staticfiles/*' -i 'var/*'
	$(PY) manage.py compilemessages -l da -i '.venv' -i 'staticfiles'

clean:
	rm -rf $(VENV) staticfiles var/test-* tests/e2e/node_modules
