# The README's two commands are `make run` and `make test`; the rest are for developers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB ?= data/impactmonitor.duckdb
PORT ?= 8501

.PHONY: install run sample test test-fast lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-install only when pyproject.toml changed.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

sample: install
	$(BIN)/python -m tools.sample --db $(DB)

# Build the sample region (once) and start the app on it.
run: install
	@test -f $(DB) || $(BIN)/python -m tools.sample --db $(DB)
	IMPACTMONITOR_DB=$(DB) $(BIN)/streamlit run server.py --server.port $(PORT)

test: install
	@scripts/ensure_test_tools.sh
	$(BIN)/python -m pytest -n 2

test-fast: install
	$(BIN)/python -m pytest -m "not browser and not slow"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .

bench: install
	$(BIN)/python -m tools.bench

clean:
	rm -rf data bench-out test-artifacts .pytest_cache
