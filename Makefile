# OneStop — `make demo` runs the whole center on this machine; `make test` runs the tests.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The suite runs in as many processes as the machine has cores, the tests shared out and an
# idle process taking over half of a busy one's queue (the longest modules first: tests/conftest.py;
# a module's servers and browsers start once in each process that runs its tests);
# TEST_WORKERS=0 runs it in one.
TEST_WORKERS ?= auto
PARALLEL := $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist worksteal)
# Front-end libraries (package.json, package-lock.json) from the npm registry, copied where the
# app serves them: nothing is fetched from a CDN at run time.
VENDOR := web/static/vendor
FRONT := $(VENDOR)/.installed
PACKAGES := ticketing config cti ivr modem receipts web onestop hooks

.PHONY: help demo test test-sqlite test-pg lint bench sizes mutants screenshots clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

$(FRONT): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: apt-get install npm (Debian 12), then run make again" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/
	touch $(FRONT)

demo: $(STAMP) $(FRONT) ## run the whole center with embedded defaults (SQLite, emulated PBX, modem, printer)
	$(BIN)/onestop demo

test: $(STAMP) ## lint, then the whole suite on SQLite and on PostgreSQL (a throw-away local server)
	@bash .ci/system-deps
	$(MAKE) $(FRONT)
	$(MAKE) lint
	$(MAKE) test-sqlite
	$(MAKE) test-pg

test-sqlite: $(STAMP) $(FRONT)
	$(BIN)/pytest -q -p no:cacheprovider $(PARALLEL)

test-pg: $(STAMP) $(FRONT)
	ONESTOP_TEST_DATABASE_URL=$$(bash .ci/pg-start) $(BIN)/pytest -q -p no:cacheprovider $(PARALLEL)

lint: $(STAMP) ## ruff over the tree, mypy over every package and the benches
	$(BIN)/ruff check .
	$(BIN)/mypy $(PACKAGES) bench

# The scripts of bench/ (a module without a __main__ is a part of one of them).
bench: $(STAMP) ## every benchmark, each ending with one JSON line
	@for b in bench/*.py; do grep -q '^if __name__ == "__main__":' $$b || continue; \
		echo "== $$b"; $(BIN)/python $$b || exit 1; done

screenshots: $(STAMP) $(FRONT) ## the zh-CN pages as the README's tour shows them, in docs/screenshots/ (browser tests)
	ONESTOP_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q -p no:cacheprovider tests/web/test_pages.py -k "zh-CN and (1366 or 390)"

sizes: ## the module sizes table of docs/architecture.md, from the code
	python3 tools/module_sizes.py --write docs/architecture.md

mutants: $(STAMP) ## mutation testing of the core (lifecycle, outboxes, web security, AMI/AGI protocol); not in CI: an hour or more
	rm -rf mutants
	$(BIN)/mutmut run --max-children 2
	$(BIN)/mutmut export-cicd-stats
	$(BIN)/python tools/mutation_scores.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache node_modules $(VENDOR) mutants
