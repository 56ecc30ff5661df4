# Two commands do all set-up on a fresh machine (see README):
#   make demo   – install into .venv and run oppnaogon on the shipped example extract
#   make test   – install into .venv, lint (ruff, mypy), and run the whole test suite
#   make check  – the same without the tests marked slow: a quick check while working
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check lint bench lock clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/oppnaogon check examples/barn_och_unga.csv
	$(BIN)/oppnaogon analyse examples/barn_och_unga.csv --out oppnaogon-rapport

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

check: lint
	$(BIN)/python -m pytest -m "not slow"

bench: $(STAMP)
	$(BIN)/python bench/bench_load.py
	$(BIN)/python bench/bench_analyse.py

# Re-pin the dependencies (needs uv: `pip install uv`).
lock:
	uv pip compile pyproject.toml --extra dev -o requirements.lock --python-version 3.11

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache dist build
