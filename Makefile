# omnilake: `make demo` and `make test` work on a fresh machine with Python 3.11 and Java 17.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export OMNILAKE_HOME ?= $(CURDIR)/.omnilake
export DAGSTER_HOME ?= $(OMNILAKE_HOME)/dagster

# Three test workers (pytest-xdist), a test file per worker so module fixtures are built once. Three on two
# cores: most of a test's time is waiting (spark-submit JVMs, servers, Pipes); measured 7 min 00 s against
# 8 min 29 s with two (428 tests).
PYTEST_ARGS ?= -n 3 --dist loadfile

.PHONY: setup demo lint test dev bench clean constraints

setup: $(STAMP)

$(STAMP): pyproject.toml setup.py constraints.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found (set PYTHON=...)"; exit 1; }
	@command -v java >/dev/null 2>&1 || { echo "Java 17 is required by Spark (apt-get install openjdk-17-jre-headless)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $@

demo: $(STAMP)
	@mkdir -p $(DAGSTER_HOME) && cp -n platform_assets/dagster.yaml $(DAGSTER_HOME)/dagster.yaml 2>/dev/null || true
	$(VENV)/bin/omnilake demo

# PostgreSQL tests: tests/ensure_postgres.sh installs the server from the system packages if absent (root or
# passwordless sudo); the tests start a throwaway cluster on 127.0.0.1 as a non-root user and stop it. Once
# the server is installable they are required (a broken setup fails); otherwise they skip with the reason.
# The dashboards' browser test likewise: tests/ensure_chromium.sh installs chromium + chromedriver.
# Format, lint and the one-way package graph first (seconds): the shape of the tree is part of the test.
lint: $(STAMP)
	$(VENV)/bin/ruff format --check --quiet .
	$(VENV)/bin/ruff check --quiet .
	$(VENV)/bin/lint-imports --no-cache

test: lint
	@if sh tests/ensure_postgres.sh; then pg=1; else pg=0; fi; \
	if sh tests/ensure_chromium.sh; then br=1; else br=0; fi; \
	echo "OMNILAKE_REQUIRE_POSTGRES=$$pg OMNILAKE_REQUIRE_BROWSER=$$br $(PY) -m pytest $(PYTEST_ARGS)"; \
	OMNILAKE_REQUIRE_POSTGRES=$$pg OMNILAKE_REQUIRE_BROWSER=$$br $(PY) -m pytest $(PYTEST_ARGS)

dev: $(STAMP)
	@mkdir -p $(DAGSTER_HOME) && cp -n platform_assets/dagster.yaml $(DAGSTER_HOME)/dagster.yaml 2>/dev/null || true
	$(VENV)/bin/dagster dev -w workspace.yaml

bench: $(STAMP)
	$(PY) bench/engines.py

# Re-resolve the pinned set after changing dependencies in pyproject.toml.
constraints:
	rm -rf .venv-constraints && $(PYTHON) -m venv .venv-constraints
	.venv-constraints/bin/pip install --quiet -e ".[dev]"
	(echo "# Exact versions resolved together on Python 3.11 (pip install -c constraints.txt). Regenerate with make constraints."; \
	 .venv-constraints/bin/pip freeze --exclude-editable) > constraints.txt
	rm -rf .venv-constraints

clean:
	rm -rf $(OMNILAKE_HOME) .pytest_cache
