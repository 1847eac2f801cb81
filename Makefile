# Two commands do all set-up on a fresh machine with Python 3.11:
#   make run    the main job: the dashboard on the shipped process library
#   make test   the whole test suite (what .ci/run calls)
SHELL      := /bin/bash
PY         ?= python3
UV_VERSION ?= 0.13.9
TOOLS      := .tools
UV         := $(TOOLS)/bin/uv
VENV       := .venv
STAMP      := $(VENV)/.synced
PORT       ?= 8501
export UV_PROJECT_ENVIRONMENT := $(VENV)
# A real interpreter path (not a pyenv shim), or `uv run` rebuilds the venv each time.
export UV_PYTHON := $(shell $(PY) -c 'import sys; print(sys.executable)')
export UV_PYTHON_DOWNLOADS := never
.PHONY: setup run tour test system-deps lint bench clean

$(UV):
	$(PY) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install -q --disable-pip-version-check "uv==$(UV_VERSION)"

# Compiled bytecode up front: otherwise (with PYTHONDONTWRITEBYTECODE set, as on
# some machines) every dashboard start recompiles ~1,900 modules, 3-4 s.
$(STAMP): $(UV) pyproject.toml uv.lock
	$(UV) sync --locked --compile-bytecode
	touch $@

# Our own modules too (uv compiles only what it installs): with PYTHONDONTWRITEBYTECODE set,
# Python never writes their bytecode itself, and every command compiled cli.py and the rest
# again, 0.06 s of CPU each time. Compiled again whenever a source is newer; a stale file is
# only slower (Python compiles it in memory), never wrong.
OWN_CODE    := abc_costing dashboard_pages dashboard.py
OWN_SOURCES := $(shell find $(OWN_CODE) -name '*.py')
COMPILED    := $(VENV)/.compiled
$(COMPILED): $(STAMP) $(OWN_SOURCES)
	$(VENV)/bin/python -m compileall -q $(OWN_CODE)
	touch $@

setup: $(STAMP) $(COMPILED)

run: $(STAMP) $(COMPILED)
	$(VENV)/bin/streamlit run dashboard.py --server.port=$(PORT)

tour: $(STAMP) $(COMPILED)
	$(VENV)/bin/abc-costing tour process_models

# The browser tests drive Debian's chromium (never a downloaded browser); report tests
# recalculate workbooks in LibreOffice and read PDFs back with poppler.
SYSTEM_TOOLS := /usr/bin/chromium:chromium /usr/bin/soffice:libreoffice-calc-nogui \
                /usr/bin/pdftotext:poppler-utils /usr/bin/npm:npm \
                /usr/bin/java:openjdk-17-jre-headless
system-deps:
	@missing=""; for pair in $(SYSTEM_TOOLS); do \
	  [ -x "$${pair%%:*}" ] || missing="$$missing $${pair##*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  echo "installing:$$missing"; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; fi

# bpmn-js (bpmn.io's renderer, the one inside Camunda Modeler) draws exported BPMN files in
# the browser tests; it is a test tool only, pinned by tests/bpmn_js/package-lock.json.
BPMN_JS := tests/bpmn_js/node_modules/bpmn-js/dist/bpmn-viewer.production.min.js
$(BPMN_JS): tests/bpmn_js/package-lock.json | system-deps
	npm ci --prefix tests/bpmn_js --no-audit --no-fund --loglevel=error
	touch $@

# One pytest worker per core (pytest-xdist; at most 4: each browser test runs a dashboard
# server and a Chromium), a test file per worker at a time: a module's shared server, browser
# or workbook is built once and its tests keep their order. `make test PYTEST_PARALLEL=`
# runs in one process; PYTEST_XDIST_AUTO_NUM_WORKERS=N sets the number of workers.
PYTEST_PARALLEL ?= -n auto --maxprocesses=4 --dist loadfile
test: $(STAMP) $(COMPILED) system-deps $(BPMN_JS)
	$(VENV)/bin/ruff check abc_costing tests bench dashboard.py dashboard_pages
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest $(PYTEST_PARALLEL)

lint: $(STAMP)
	$(VENV)/bin/ruff check abc_costing tests bench dashboard.py dashboard_pages
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

bench: $(STAMP) $(COMPILED)
	$(VENV)/bin/python bench/bench_costing.py
	$(VENV)/bin/python bench/bench_dashboard.py
	$(VENV)/bin/python bench/bench_simulation.py
	$(VENV)/bin/python bench/bench_advisor.py
	$(VENV)/bin/python bench/bench_hostile.py
	$(VENV)/bin/python bench/bench_allocation.py
	$(VENV)/bin/python bench/bench_pdf.py

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .ruff_cache .hypothesis
