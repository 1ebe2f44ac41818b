# tongban: set up, serve and test.
#   make run     create .venv, install, migrate, load demo data, serve on http://127.0.0.1:8000/
#   make test    install with the dev extra, install system packages, check the import contracts
#                (lint-imports, pyproject.toml; docs/architecture.md), run the whole test suite
#   make bench   run the benchmarks in bench/, each printing its figure beside a peer of the same run
#   make clean   remove .venv and var/
# Variables: PYTHON (python3), HOST (127.0.0.1), PORT (8000), PYTEST_ARGS (extra pytest arguments),
# PYTEST_WORKERS (auto; 0 runs everything in one process). TONGBAN_DATABASE_URL and
# TONGBAN_TEST_DATABASE_URL are read from the environment.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := run
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_WORKERS ?= auto
PYTEST_ARGS ?=

# Stamps live inside the venv, so removing .venv removes them too.
VENV_STAMP := $(VENV)/.stamp-venv
RUN_STAMP := $(VENV)/.stamp-install
DEV_STAMP := $(VENV)/.stamp-install-dev

.PHONY: run test bench clean venv install install-dev db system-deps-run

# A venv whose python no longer runs (deleted, or its base interpreter moved) is remade from
# scratch: forget its stamps now, before make decides what is up to date.
ifneq ($(shell $(BIN)/python -c 'print("ok")' 2>/dev/null),ok)
  $(shell rm -f $(VENV)/.stamp-* 2>/dev/null)
endif

# The venv itself, with an up-to-date pip; an existing working .venv is kept.
$(VENV_STAMP):
	@if ! $(BIN)/python -c 'import sys' >/dev/null 2>&1; then \
	  echo ">> creating $(VENV) with $$($(PYTHON) --version)"; \
	  rm -rf $(VENV); $(PYTHON) -m venv $(VENV); \
	fi
	$(BIN)/python -m pip install --quiet --upgrade pip
	@touch $@

# Reinstall only when pyproject.toml changed (source edits need nothing: the install is editable).
$(RUN_STAMP): pyproject.toml $(VENV_STAMP)
	$(BIN)/python -m pip install --progress-bar off -e .
	@touch $@

$(DEV_STAMP): pyproject.toml $(VENV_STAMP)
	$(BIN)/python -m pip install --progress-bar off -e '.[dev]'
	@touch $@ $(RUN_STAMP)

venv: $(VENV_STAMP)
install: $(RUN_STAMP)
install-dev: $(DEV_STAMP)

# Migrations and demo data: both are idempotent and quick, so they run every time.
db: $(RUN_STAMP)
	@mkdir -p var
	$(BIN)/tongban db upgrade
	$(BIN)/tongban seed demo --if-empty

# The font goes in before seeding: demo samples are PDFs, stored by content hash.
# `make run` is a development install: file SMS, the dev payment gateway and a generated key file are allowed.
run: system-deps-run db
	TONGBAN_ENV=$${TONGBAN_ENV:-development} $(BIN)/tongban serve --host $(HOST) --port $(PORT)

# The import contracts first (a fraction of a second): a new cross-layer import fails here.
# One pytest command runs everything, the e2e tests included: they start their own server on a
# free port with their own SQLite file, so parallel workers do not collide; --dist loadfile keeps
# the tests of a file on one worker, so each e2e file starts one server, not one per worker.
test: $(DEV_STAMP)
	@bash scripts/system-deps.sh test
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest $(if $(filter-out 0,$(PYTEST_WORKERS)),-n $(PYTEST_WORKERS) --dist loadfile) $(PYTEST_ARGS)

# Benchmarks: search quality beside Whoosh+jieba and rapidfuzz, latency and memory at 100k items,
# the cost of SM4/HMAC-SM3 beside AES-GCM/HMAC-SHA256, jobs, case lifecycles and concurrent booking,
# each beside plain inserts of the same rows (TONGBAN_BENCH_DATABASE_URL points those two at PostgreSQL), and the
# pages' requests/s beside a bare FastAPI route returning the same bytes.
bench: $(DEV_STAMP)
	$(BIN)/python bench/search_quality.py
	$(BIN)/python bench/search_scale.py
	$(BIN)/python bench/crypto_at_rest.py
	$(BIN)/python bench/jobs.py
	$(BIN)/python bench/cases.py
	$(BIN)/python bench/booking.py
	$(BIN)/python bench/pages.py

system-deps-run:
	@bash scripts/system-deps.sh run

clean:
	rm -rf $(VENV) var
