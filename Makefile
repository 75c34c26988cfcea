# Member Enquiries: `make run` starts the product, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck bench package migrate seed clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# The bot and the Agents Playground on the demo council (memberportal run); AS=<person id> picks
# who is at the keyboard in the Playground's personal chat (make's own AS, the assembler, is not).
# Ctrl-C stops both.
run: $(STAMP)
	$(BIN)/memberportal run $(if $(filter command line environment,$(origin AS)),--as $(AS))

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

# Benchmarks use their own databases (PostgreSQL bench_*, SQLite in a temporary folder); the
# botbuilder 4.17 echo anchor runs from a throwaway environment under build/bench-envs.
bench: $(STAMP)
	$(BIN)/python -m benchmarks

# Needs MicrosoftAppId (see docs/deployment.md); PACKAGE_ARGS=--allow-placeholder-id for layout checks.
package: $(STAMP)
	$(BIN)/memberportal package --out build/member-enquiries.zip $(PACKAGE_ARGS)

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache
