# Segment Assistant: `make run` opens the product on demo data, `make test` checks everything.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB ?= data/retail.duckdb
CUSTOMERS ?= 50000
SF ?= 1
TPCDS ?= data/tpcds.duckdb
HOST ?= 127.0.0.1
PORT ?= 7860

export GRADIO_ANALYTICS_ENABLED := False

.PHONY: help install browser run chat data tpcds test lint format clean eval eval-check bench

help:  ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)  ## Create .venv and install the project with its dev tools.

# The browser test drives Debian's Chromium (never a Playwright download).
browser:  ## Install Debian's chromium for the browser test (needs root or sudo).
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

$(DB): | $(STAMP)
	$(BIN)/segment-assistant data build --customers $(CUSTOMERS) --path $(DB)

data: $(DB)  ## Build the demo database if it is missing (CUSTOMERS=50000).

tpcds: install  ## Build the TPC-DS database (SF=1, ~100k customers) into data/tpcds.duckdb.
	$(BIN)/segment-assistant data tpcds --sf $(SF) --path $(TPCDS)

run: install data  ## Install, build the demo data and open the chat UI on http://$(HOST):$(PORT).
	$(BIN)/segment-assistant ui --db $(DB) --host $(HOST) --port $(PORT)

chat: install data  ## The same assistant as a terminal conversation.
	$(BIN)/segment-assistant chat --db $(DB)

lint: install  ## ruff lint and format check.
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install  ## Apply ruff's fixes and formatting.
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: install browser lint  ## Lint, the whole test suite (browser test included), evals vs baselines.
	$(BIN)/pytest -q
	$(MAKE) --no-print-directory eval-check

REPLAY = --backend replay --cassette evals/cassettes/scripted.json --cases evals/cassettes/scripted_specs.yaml
# The TPC-DS suite (evals/tpcds, `schema: tpcds`) runs on $(TPCDS) in `make eval` and on a small
# database in `make eval-check` (sf=0.1 as in assistant/demo/tpcds.py SMALL_SF, ~10 s to build);
# without schemas/tpcds.yaml or the database its cases are skipped with the reason.
TPCDS_CI ?= data/tpcds_ci.duckdb
TPCDS_CI_SF ?= 0.1
RULES_SUITES = evals/suites evals/heldout evals/tpcds

eval: install  ## Run every eval suite (rules + replay) and write evals/reports/.
	$(BIN)/segment-assistant eval $(RULES_SUITES) --backend rules --tpcds-db $(TPCDS) --report evals/reports/rules
	$(BIN)/segment-assistant eval $(REPLAY) --report evals/reports/replay

eval-check: install  ## The evals against the committed baselines (part of make test).
	@test -f $(TPCDS_CI) || $(BIN)/segment-assistant data tpcds --sf $(TPCDS_CI_SF) --path $(TPCDS_CI)
	$(BIN)/segment-assistant eval $(RULES_SUITES) --backend rules --tpcds-db $(TPCDS_CI) --report evals/reports/rules --baseline evals/baselines/rules.json
	$(BIN)/segment-assistant eval $(REPLAY) --report evals/reports/replay --baseline evals/baselines/replay.json

bench: install  ## Speed figures at 100k and 1M customers (data in data/bench/, ~15 min).
	$(BIN)/python evals/perf/bench.py --repeats 1 --no-warmup --profile

clean:  ## Remove the virtual environment, caches and built data.
	rm -rf $(VENV) data .pytest_cache .ruff_cache
