# LDN Diary. `make run` and `make test` do the whole set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha256sum requirements.lock | cut -c1-16)
HOST ?= 127.0.0.1
PORT ?= 8000

# Local development defaults: DEBUG on, a development key, SQLite, tasks in-process.
DEV_ENV := DEBUG=$${DEBUG:-1}
TEST_ENV := SECRET_KEY=test-only-secret-key-that-is-long-enough-for-hs256 DEBUG=0 SECURE_COOKIES=0
# The README's production variables, for `check --deploy` in make lint.
DEPLOY_CHECK_ENV := SECRET_KEY=ci-deploy-check-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF \
	DEBUG=0 ALLOWED_HOSTS=diary.example.org BEHIND_HTTPS_PROXY=1 TRUSTED_PROXY_COUNT=1 \
	EMAIL_HOST=smtp.example.org SECURE_HSTS_SECONDS=31536000
SERVICES_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ldn_diary
SERVICES_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: help venv run setup migrate test test-services lint format vendor vendor-check \
        bench demo lock system-deps clean

help:
	@echo "make run            set up everything and start the site on http://$(HOST):$(PORT)"
	@echo "make test           set up everything and run the default test suite (SQLite)"
	@echo "make test-services  run the suite on PostgreSQL, Redis, a Celery worker, Chromium"
	@echo "make lint           ruff, mypy, the OpenAPI schema (no warnings), migrations"
	@echo "make vendor         re-fetch vendored front-end libraries and verify hashes"
	@echo "make bench          the load benchmark: gunicorn under wrk, ratios to bare views"
	@echo "                    (by hand: bench/report_pdf.py for the PDF, bench/wger.py beside wger,"
	@echo "                    bench/ab.py to compare two checkouts under the same load)"
	@echo "make demo           create a demo account with a year of realistic data"

$(STAMP): requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

venv: $(STAMP)

setup: venv
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py load_symptoms
	$(DEV_ENV) $(BIN)/python manage.py load_studies

run: setup
	$(DEV_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

demo: setup
	$(DEV_ENV) $(BIN)/python manage.py make_demo --site-url http://$(HOST):$(PORT)

test: venv
	@mkdir -p var/test-results
	$(TEST_ENV) $(BIN)/python -m pytest -m "not services and not browser" \
		-n 2 --junitxml=var/test-results/default.xml
	@echo "NOTE: the browser suite (Chromium: journey, axe, drafts) and the services suite were NOT run; make test-services runs them."

# Needs root on a fresh Debian machine: the browser, WeasyPrint's libraries, the
# PDF-to-text tool and the Noto fonts (notes in Amharic, Arabic, Chinese, emoji...
# in the doctor's PDF), pg_dump and the load generator (wrk, for make bench) come
# from the distribution.
system-deps:
	@if ! command -v chromium >/dev/null || ! command -v pdftotext >/dev/null \
	    || ! ldconfig -p | grep -q libpango-1.0 \
	    || ! fc-list | grep -q NotoSansEthiopic \
	    || ! command -v pg_dump >/dev/null || ! command -v wrk >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		  chromium poppler-utils libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b \
		  fonts-dejavu-core fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji \
		  postgresql-client wrk >/dev/null; \
	fi

test-services: venv system-deps
	@mkdir -p var/test-results
	@/usr/bin/chromium --headless --no-sandbox --disable-gpu --dump-dom about:blank >/dev/null 2>&1 \
		|| { echo "FAILURE: /usr/bin/chromium cannot run, so the browser suite cannot run." >&2; exit 1; }
	$(TEST_ENV) DATABASE_URL=$(SERVICES_DATABASE_URL) REDIS_URL=$(SERVICES_REDIS_URL) \
		$(BIN)/python -m pytest --junitxml=var/test-results/services.xml

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(TEST_ENV) $(BIN)/mypy
	@mkdir -p var
	$(TEST_ENV) $(BIN)/python manage.py spectacular --fail-on-warn --validate --file var/openapi.yaml
	$(TEST_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	$(DEPLOY_CHECK_ENV) $(BIN)/python manage.py check --deploy --fail-level WARNING

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

vendor: venv
	$(BIN)/python scripts/vendor.py

vendor-check: venv
	$(BIN)/python scripts/vendor.py --check

# The headline: gunicorn (2 workers, DEBUG off) under wrk on SQLite and, with
# DATABASE_URL set, PostgreSQL (that database is emptied); writes
# bench/results/latest.md. bench/run.py is the older in-process timing.
bench: venv system-deps
	$(BIN)/python bench/load.py
	$(TEST_ENV) $(BIN)/python bench/analysis_sim.py

lock: venv
	$(BIN)/pip-compile --quiet --strip-extras --extra dev --no-emit-index-url \
		--no-emit-find-links -o requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) var staticfiles
