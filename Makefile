# Two entry points for a fresh machine: `make run` and `make test`.
# Both create .venv at the repository root from the pinned requirements.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench eval index clean

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m retrieval index
	$(PY) -m retrieval search "四个机关指的是哪四个机关"

test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest -q

eval: $(STAMP)
	$(PY) -m retrieval eval ../shared/eval/dev.jsonl --variants

bench: $(STAMP)
	$(PY) bench/bench_index.py

index: $(STAMP)
	$(PY) -m retrieval index

clean:
	rm -rf $(VENV) .cache .pytest_cache .ruff_cache
