# The two commands a new machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install assets migrate seed lint format clean ci

$(STAMP): pyproject.toml package.json package-lock.json
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	npm ci --no-audit --no-fund --loglevel=error
	$(PY) scripts/collect_assets.py
	touch $(STAMP)

install: $(STAMP)

assets: $(STAMP)
	$(PY) scripts/collect_assets.py

migrate: install
	mkdir -p var
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

# Web server, Celery worker and beat on SQLite and a folder broker; Ctrl-C stops all of it.
run: seed
	$(PY) manage.py compilemessages --ignore='.venv/*' -v0 || true
	$(PY) scripts/run_demo.py

# The whole suite; DATABASE_URL / REDIS_URL select PostgreSQL and Redis when set.
test: install
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) node_modules static/vendor var
