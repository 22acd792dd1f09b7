# Two entry points for a fresh machine: `make run` and `make test`.
# Both create .venv at the repository root: `make run` (and eval, index) from the runtime pins in
# requirements.txt, `make test` adds the development pins in requirements-dev.txt.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test lint bench eval index clean

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(DEV_STAMP)

run: $(STAMP)
	$(PY) -m bot

test: $(DEV_STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest -q

lint: $(DEV_STAMP)
	$(PY) -m ruff check .

eval: $(STAMP)
	$(PY) -m retrieval eval ../shared/eval/dev.jsonl --variants

# bm25s is a bench-only dependency (the reference the whole-path figures are compared with).
bench: $(STAMP)
	$(PY) -m pip install --quiet -r requirements-bench.txt
	$(PY) bench/bench_search.py
	$(PY) bench/bench_engine.py

index: $(STAMP)
	$(PY) -m retrieval index

clean:
	rm -rf $(VENV) .cache .pytest_cache .ruff_cache
