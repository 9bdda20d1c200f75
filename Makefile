# Compact Watch — the two commands: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCALES := fr ar ckb so ha fil
export PORTAL_INSTANCE_PATH ?= instance

.PHONY: help run test lint translations compile-translations assets axe install install-test browser deployment-tools migrate demo worker scheduler clean

help:
	@echo "make run    - install, migrate SQLite, seed demo data (the story in the background), serve on PORTAL_BIND (127.0.0.1:5000)"
	@echo "make demo   - the same demo data, seeded in the foreground (no server)"
	@echo "make test   - install test tools and run the whole suite (PostgreSQL/Redis if DATABASE_URL/REDIS_URL are set)"
	@echo "make lint   - ruff and mypy --strict"
	@echo "make translations - extract, update and compile the message catalogs"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

install: $(VENV)/.installed compile-translations assets
install-test: $(VENV)/.installed-test compile-translations assets axe

# axe-core for the accessibility tests (tests/browser/test_axe.py), from npm at the version in
# package-lock.json. Test-only: nothing in node_modules/ is served.
AXE := node_modules/axe-core/axe.min.js
axe: $(AXE)
$(AXE): package.json package-lock.json
	@if ! command -v npm >/dev/null && [ "$$(id -u)" = 0 ]; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm) >/dev/null; \
	fi
	@if command -v npm >/dev/null; then \
		npm ci --no-audit --no-fund --ignore-scripts --loglevel=error && touch $@; \
	else echo "The accessibility tests need npm (sudo apt-get install -y npm) to install axe-core"; fi

# Static files under content-hashed names with brotli and gzip copies (portal/web/assets.py).
assets: $(VENV)/.installed
	@$(BIN)/python -m portal.web.assets >/dev/null

# One catalog compiled when its .po is newer than its .mo: two `make test` side by side (.ci/run)
# find them done and never rewrite a catalog the other run is reading.
MO_FILES := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))
compile-translations: $(MO_FILES)
translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	@$(BIN)/pybabel compile --statistics -i $< -o $@.tmp 2>&1 | grep -v '^compiling' || true
	@mv $@.tmp $@

translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _l -k lazy_gettext --sort-by-file \
		--project "Compact Watch" --msgid-bugs-address "security@compactwatch.invalid" \
		-o translations/messages.pot portal templates
	@for l in $(LOCALES); do \
		if [ -f translations/$$l/LC_MESSAGES/messages.po ]; then \
			$(BIN)/pybabel update --no-fuzzy-matching -i translations/messages.pot -d translations -l $$l; \
		else \
			$(BIN)/pybabel init -i translations/messages.pot -d translations -l $$l; \
		fi; \
	done
	$(BIN)/pybabel compile -d translations

migrate: install
	PORTAL_DEMO=1 $(BIN)/flask --app portal db upgrade

demo: migrate
	PORTAL_DEMO=1 $(BIN)/flask --app portal portal init
	PORTAL_DEMO=1 $(BIN)/flask --app portal portal demo

# The demo's story (docs/demo.md) is played by a background process while gunicorn starts; the
# landing page shows how far it is. gunicorn prints the address it really listens on once bound.
run: migrate
	PORTAL_DEMO=1 $(BIN)/flask --app portal portal init
	PORTAL_DEMO=1 $(BIN)/flask --app portal portal demo --background
	@echo
	@echo "Demo accounts: admin@demo.test verifier@demo.test assessor@demo.test member@demo.test"
	@echo "Demo password: $${PORTAL_DEMO_PASSWORD:-demo-password-change-me} (set PORTAL_DEMO_PASSWORD to change it)"
	@echo "Jobs run inline (no REDIS_URL)."
	PORTAL_DEMO=1 PORTAL_SAY_ADDRESS=1 $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

worker: install
	$(BIN)/rq worker -w portal.jobs.worker.Worker --url "$${REDIS_URL:?set REDIS_URL}" --logging_level WARNING intake scoring maintenance

scheduler: install
	REDIS_URL="$${REDIS_URL:?set REDIS_URL}" $(BIN)/python -m portal.jobs.scheduler

browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; \
		else echo "Browser tests need Debian's chromium: sudo apt-get install -y chromium"; fi; \
	fi

# Debian's nginx, for tests/deployment (the reference proxy configuration, docs/deployment.md).
deployment-tools:
	@if [ ! -x /usr/sbin/nginx ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light) >/dev/null; \
		else echo "Deployment tests need Debian's nginx: sudo apt-get install -y nginx-light"; fi; \
	fi

test: install-test browser deployment-tools
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check portal tests bench migrations/env.py
	$(BIN)/mypy --strict portal

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
