# The two commands a new machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install lock assets migrate seed lint format clean ci

# Python packages come only from the lock, hash-checked; the project itself is not installed
# (manage.py, pytest and celery run it from this checkout). The installer comes first, from its
# own lock: Python 3.11's bundled pip 23.2 stops on a locked dependency that a package asks for
# with an extra (pytest-cov's coverage[toml]) as soon as a newer release of it is out.
$(STAMP): requirements/pip.txt requirements/dev.txt package.json package-lock.json
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements/pip.txt
	$(PY) -m pip install --quiet --require-hashes -r requirements/dev.txt
	npm ci --no-audit --no-fund --loglevel=error
	$(PY) scripts/collect_assets.py
	touch $(STAMP)

install: $(STAMP)

# Rewrites requirements/dev.txt (runtime + dev) and requirements/base.txt (runtime, the same
# versions) from pyproject.toml, keeping every pin its bounds still allow.
# Upgrades: make lock LOCK_ARGS=--upgrade, or LOCK_ARGS='--upgrade-package django'.
UV_COMPILE := $(VENV)/bin/uv pip compile --quiet pyproject.toml --universal --python-version 3.11 --generate-hashes
lock: $(STAMP)
	$(UV_COMPILE) --extra dev $(LOCK_ARGS) -o requirements/dev.txt
	$(UV_COMPILE) -c requirements/dev.txt -o requirements/base.txt
	printf 'pip\n' | $(VENV)/bin/uv pip compile - --quiet --python-version 3.11 --generate-hashes $(LOCK_ARGS) -o requirements/pip.txt

assets: $(STAMP)
	$(PY) scripts/collect_assets.py

migrate: install
	mkdir -p var
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

# Web server, Celery worker and beat on SQLite and a folder broker; Ctrl-C stops all of it.
# The web server's port: make run PORT=8001 (beside another portal on 8000); the demo's e-mails
# link to it, the seeded ones too.
PORT ?= 8000
run seed: export PORT := $(PORT)
run seed: export KCITY_SITE_URL ?= http://127.0.0.1:$(PORT)
run: seed
	$(PY) manage.py compilemessages --ignore='.venv/*' -v0 || true
	$(PY) scripts/run_demo.py

# The whole suite; DATABASE_URL / REDIS_URL select PostgreSQL and Redis when set.
test: install
	$(PY) -m pytest -n auto --dist loadscope

# ruff, and the layers contract of pyproject.toml (each app imports only the apps below it).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) node_modules static/vendor var
