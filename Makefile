# Two commands do all set-up on a fresh machine with Python 3.11:
#   make run    the main job (for now the CLI tour of the shipped process library)
#   make test   the whole test suite (what .ci/run calls)
SHELL      := /bin/bash
PY         ?= python3
UV_VERSION ?= 0.13.9
TOOLS      := .tools
UV         := $(TOOLS)/bin/uv
VENV       := .venv
STAMP      := $(VENV)/.synced
export UV_PROJECT_ENVIRONMENT := $(VENV)
# A real interpreter path (not a pyenv shim), or `uv run` rebuilds the venv each time.
export UV_PYTHON := $(shell $(PY) -c 'import sys; print(sys.executable)')
export UV_PYTHON_DOWNLOADS := never
.PHONY: setup run test lint bench clean

$(UV):
	$(PY) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install -q --disable-pip-version-check "uv==$(UV_VERSION)"

$(STAMP): $(UV) pyproject.toml uv.lock
	$(UV) sync --locked
	touch $@

setup: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/abc-costing tour process_models

test: $(STAMP)
	$(VENV)/bin/ruff check abc_costing tests bench
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check abc_costing tests bench

bench: $(STAMP)
	$(VENV)/bin/python bench/bench_costing.py

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .ruff_cache .hypothesis
