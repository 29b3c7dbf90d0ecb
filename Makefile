# officeflow: `make demo` and `make test` work on a fresh machine (they create .venv themselves).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-deps side-venvs test-fast lint bench bench-inbox docs services screenshots clean bench-api

# Debian packages the tests need, in one list (chromium: the browser of the console's tests).
TEST_DEBS := chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

## demo: set up .venv, install, serve API + console + a worker on http://127.0.0.1:8080 (SQLite, var/demo.db)
demo: $(STAMP)
	$(BIN)/python -m examples.demo --database-url sqlite:///var/demo.db

## test: install what the tests need, make sure the services run, run every test (a missing browser fails them),
## in two processes (TEST_PROCESSES): most tests wait on servers, browsers and subprocesses
TEST_PROCESSES ?= 2
test: $(STAMP) test-deps services side-venvs
	OFFICEFLOW_REQUIRE_BROWSER=1 OFFICEFLOW_REQUIRE_COMPONENTS=1 $(BIN)/python -m pytest -n $(TEST_PROCESSES)

## side-venvs: the real servers the tests talk to that pin their own dependencies, each in its own venv:
## MLServer (Open Inference Protocol) and llama-cpp-python's OpenAI-compatible server with SmolLM2-135M
## (its wheel is built once and kept in ~/.cache/officeflow/wheels)
side-venvs:
	scripts/mlserver_env.sh
	scripts/llm_server.sh setup

## test-deps: install the Debian packages in TEST_DEBS that are missing (apt-get, as root or through sudo)
test-deps:
	@missing=""; \
	for pkg in $(TEST_DEBS); do dpkg -s "$$pkg" >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  echo "installing$$missing"; \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

## test-fast: the tests without the crash and scale-out tests
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

## lint: ruff (lint + format check) and mypy --strict on src/ and tests/
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## bench: the engine benchmark on both backends, side by side with DBOS
bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	mkdir -p bench/results
	$(BIN)/python bench/engine.py --backend sqlite --vs dbos | tee bench/results/engine-sqlite.txt
	$(BIN)/python bench/engine.py --backend postgresql --vs dbos | tee bench/results/engine-postgresql.txt

## bench-api: events through POST /v1/events/{type}, 2 API processes, 1,000 events/s for 30 s, both backends (about 2 min)
bench-api: $(STAMP)
	mkdir -p bench/results
	$(BIN)/python bench/api.py --backend postgresql --rate 1000 --duration 30 2>&1 | tee bench/results/api-postgresql.txt
	$(BIN)/python bench/api.py --backend sqlite --rate 1000 --duration 30 2>&1 | tee bench/results/api-sqlite.txt

## bench-inbox: the console's pages with 100,000 open tasks and 1M completed runs, on both backends (about 15 min)
bench-inbox: $(STAMP)
	mkdir -p bench/results
	$(BIN)/python bench/inbox.py --backend sqlite | tee bench/results/inbox-sqlite.json
	$(BIN)/python bench/inbox.py --backend postgresql | tee bench/results/inbox-postgresql.json

## docs: regenerate docs/cli.md from the commands' --help
docs: $(STAMP)
	$(BIN)/python scripts/cli_reference.py docs/cli.md
	$(BIN)/python scripts/settings_reference.py docs/configuration.md
	$(BIN)/python scripts/openapi_document.py docs/openapi.json

## screenshots: the web console's pages as PNGs in docs/screenshots/ (headless Chromium)
screenshots: $(STAMP)
	OFFICEFLOW_SCREENSHOTS=1 OFFICEFLOW_TEST_BACKENDS=sqlite $(BIN)/python -m pytest tests/web/test_screenshots.py tests/web/test_inbox.py -q

## services: start PostgreSQL, NATS and Mosquitto when they are installed but not running
services:
	@scripts/services.sh

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
