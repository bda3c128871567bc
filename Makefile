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

demo: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_setup --persons $(DEMO_PERSONS) --dir $(DEMO_DIR)
	$(PY) manage.py runserver 127.0.0.1:8000

test: $(STAMP)
	command -v chromium >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium) || echo "chromium not installed: browser tests will be skipped"
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py bench_import --persons 200000

db-stop: $(STAMP)
	$(PY) -m config.embedded_db stop

clean:
	rm -rf $(VENV) var
