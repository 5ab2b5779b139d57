# GovBuy: the project's verbs. `make run` and `make test` work on a fresh Debian machine.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
PYTEST_ARGS ?=

.PHONY: setup run test test-browser lint format bench messages worker beat clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip uv
	$(VENV)/bin/uv pip install -q --python $(PY) -e '.[dev]'
	@rm -f $(VENV)/.installed-*; touch $@

setup: $(STAMP)

run: setup
	@.ci/system-deps runtime
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "GovBuy is starting on http://127.0.0.1:8000/"
	$(PY) manage.py runserver 127.0.0.1:8000

# -n auto: one pytest worker per core (pytest-xdist); --dist loadfile keeps a file's tests (and its
# module-scoped data) on one worker.
test: setup
	@.ci/system-deps test
	$(PY) -m pytest -n auto --dist loadfile $(PYTEST_ARGS)

test-browser: setup
	@.ci/system-deps test
	$(PY) -m pytest -m browser $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(PY) manage.py makemigrations --check --dry-run >/dev/null || { echo 'models changed without a migration: run manage.py makemigrations'; exit 1; }

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Scenarios on the national dataset need PostgreSQL (DATABASE_URL); they say so and skip on SQLite.
bench: setup
	@.ci/system-deps bench
	$(PY) -m tests.bench

# Extract new strings and show what still lacks a translation (needs gettext's xgettext).
messages: setup
	$(PY) manage.py makemessages -l zh_Hans -l en --no-obsolete --ignore=.venv --ignore=tests --ignore=staticfiles
	$(PY) manage.py compilemessages --ignore=.venv

worker: setup
	$(VENV)/bin/celery -A config worker -l info

beat: setup
	$(VENV)/bin/celery -A config beat -l info

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache staticfiles
