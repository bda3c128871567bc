# The two commands a newcomer needs: `make demo` and `make test`.
# Both create .venv from pyproject.toml on first use. Without DATABASE_URL an embedded
# PostgreSQL (pgserver) is started on demand in .pgdata/.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DEMO_PERSONS ?= 20000
DEMO_DIR ?= var/demo-city

.PHONY: demo test lint format bench db-stop clean venv

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Settings are production by default (DEBUG off, keys required). The demo is a local debug
# run: settings keep its keys in var/dev-*-key (random, made once per checkout).
demo: $(STAMP)
	DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=1 $(PY) manage.py demo_setup --persons $(DEMO_PERSONS) --dir $(DEMO_DIR)
	DJANGO_DEBUG=1 $(PY) manage.py export_audit_head --append
	DJANGO_DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

test: $(STAMP)
	command -v chromium >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium) || echo "chromium not installed: browser tests will be skipped"
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Benchmarks run with debug off (production code paths) and this checkout's local keys.
LOCAL_KEYS := DJANGO_SECRET_KEY_FILE=var/dev-secret-key AUDIT_HEAD_KEY_FILE=var/dev-audit-head-key

var/dev-%-key:
	mkdir -p var
	umask 077 && $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

bench: $(STAMP) var/dev-secret-key var/dev-audit-head-key
	$(LOCAL_KEYS) $(PY) manage.py migrate --noinput
	$(LOCAL_KEYS) $(PY) manage.py bench_import --persons 200000

db-stop: $(STAMP)
	$(PY) -m config.embedded_db stop

clean:
	rm -rf $(VENV) var
