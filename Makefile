# Ponte — two commands: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: demo test install lock messages serve clean bench drills

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# uv installs the locked dependencies in seconds; it is itself installed by pip.
$(BIN)/uv: | $(BIN)/python
	$(BIN)/pip install -q --disable-pip-version-check uv

$(STAMP): requirements.lock | $(BIN)/uv
	$(BIN)/uv pip sync --python $(BIN)/python -q requirements.lock
	touch $(STAMP)

install: $(STAMP)

lock: | $(BIN)/uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -q -o requirements.lock

messages: install
	cd ponte && PONTE_DEV=1 ../$(BIN)/python ../manage.py compilemessages -v0

demo: install messages
	mkdir -p var
	PONTE_DEV=1 PONTE_DEMO=1 $(BIN)/python manage.py migrate -v0
	PONTE_DEV=1 PONTE_DEMO=1 $(BIN)/python manage.py load_demo
	@echo "Ponte demo on http://127.0.0.1:$(PORT)/ (Ctrl-C to stop)"
	PONTE_DEV=1 PONTE_DEMO=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT) --noreload

test: install messages
	PONTE_DEV=1 scripts/test.sh

# Benchmarks on PostgreSQL (benchmarks/README.md): the monitoring at national scale against its
# SQL floor, then locust per kind of user at regional and national scale against /healthz.
# Each fills its database first if it is empty (the national one takes about 25 minutes).
bench: install messages
	PONTE_DEV=1 $(BIN)/python benchmarks/monitoring.py --setup
	$(BIN)/python benchmarks/load.py --setup

# Fault drills on a throw-away PostgreSQL cluster on loopback (drills/README.md): kill -9
# under load, backup and restore, key rotation, each with its negative control (3-5 minutes).
drills: install
	$(BIN)/python -m drills.run --results drills/RESULTS.md

clean:
	rm -rf $(VENV) var/ponte.sqlite3*
