# PlayerDesk: `make run` starts a working desk on this machine; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3.11
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
PG_URL ?= postgres://postgres@127.0.0.1:5432/playerdesk
REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: run test lint typecheck migrations-check test-sqlite test-postgres browser dovecot bench bench-smoke messages clean install

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==0.13.9

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --extra test --python $(PYTHON)
	touch $@

install: $(VENV)/.installed

run: install
	PLAYERDESK_DEMO=$${PLAYERDESK_DEMO:-1} $(VENV)/bin/playerdesk run

# Debian's chromium for the browser tests (Playwright drives it; it cannot download its own browser here).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Debian's Dovecot for the IMAP tests (the tests start their own instance, with their own config and port).
dovecot:
	@command -v dovecot >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null; }

lint: install
	$(VENV)/bin/ruff check playerdesk tests bench
	$(VENV)/bin/ruff format --check playerdesk tests bench

typecheck: install
	PLAYERDESK_TESTING=1 $(VENV)/bin/mypy playerdesk

migrations-check: install
	PLAYERDESK_TESTING=1 $(PY) -m django makemigrations --check --dry-run --settings=playerdesk.settings

test-sqlite: install browser dovecot
	$(VENV)/bin/pytest -n 2 --dist loadfile

# PostgreSQL + Redis (the scale-out mode). Runs when the server answers; in CI it must.
test-postgres: install browser dovecot
	@if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || $(PY) -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null; then \
		PLAYERDESK_DATABASE_URL=$(PG_URL) PLAYERDESK_REDIS_URL=$(REDIS_URL) PLAYERDESK_REDIS_PREFIX=pdtest \
			$(VENV)/bin/pytest -n 2 --dist loadfile -m "not e2e"; \
	elif [ "$$CI" = "true" ]; then echo "PostgreSQL is not reachable on 127.0.0.1:5432 (required in CI)"; exit 1; \
	else echo "PostgreSQL not reachable: skipping the PostgreSQL run"; fi

test: lint typecheck migrations-check test-sqlite test-postgres

bench: install
	$(PY) -m bench.run

bench-smoke: install
	$(PY) -m bench.run --smoke

messages: install
	cd playerdesk && PLAYERDESK_TESTING=1 ../$(PY) -m django makemessages -l fr --settings=playerdesk.settings -i "tests/*" && PLAYERDESK_TESTING=1 ../$(PY) -m django compilemessages --settings=playerdesk.settings

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache
