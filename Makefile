# The README's two commands: `make run` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# Stamp file: reinstall only when the dependency list changes, so a warm run starts in seconds.
STAMP := $(VENV)/.installed

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test lint typecheck pytest bench clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "Waypoint needs Python 3.11: '$(PYTHON)' was not found (make PYTHON=/path/to/python3.11 ...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/waypoint

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/retrieval.py
	$(BIN)/python bench/abstention.py
	$(BIN)/python bench/embedding.py
	$(BIN)/python bench/scale.py
	$(BIN)/python bench/export_memory.py
	$(BIN)/python bench/boost.py
	$(BIN)/python bench/followups.py
	$(BIN)/python bench/roadmap_order.py
	$(BIN)/python bench/study.py
	$(BIN)/python bench/backends.py
	$(BIN)/python bench/discord_load.py
	$(BIN)/python bench/reload_sync.py
	$(BIN)/python bench/answer_height.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
