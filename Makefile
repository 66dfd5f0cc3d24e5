# Two commands: `make demo` runs the agent on the embedded example home, `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
# Extras installed for the checks and tests: "tune" (torch, CPU build) runs the distillation
# tests too. `make test EXTRAS=dev` leaves torch out; those tests are then skipped and say so.
EXTRAS ?= dev,tune,federated
BIN := $(VENV)/bin
FAST := not llm and not mqtt and not postgres and not slow and not process and not homeassistant

.PHONY: demo test check test-fast install dev bench clean

$(BIN)/hausgeist: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[$(EXTRAS)]"
	touch $@

install dev: $(BIN)/hausgeist

demo: $(BIN)/hausgeist
	$(BIN)/hausgeist demo

# Lint, format, mypy --strict, the import contracts, then every test.
test: check .ha/installed .flower/installed
	PATH="$(CURDIR)/$(BIN):$$PATH" scripts/test

# A real Home Assistant core for the tests, in its own virtual environment (~3 min once).
.ha/installed: scripts/install-homeassistant
	PYTHON=python3 scripts/install-homeassistant

# Flower, for the federation's tests, in its own environment (flwr pins what amqtt cannot use).
.flower/installed: scripts/install-flower
	PYTHON=python3 scripts/install-flower

check: $(BIN)/hausgeist
	PATH="$(CURDIR)/$(BIN):$$PATH" scripts/check

# The pure core's tests: no model, no broker, no database, no second process; spread over
# every core (pytest-xdist).
test-fast: $(BIN)/hausgeist
	PATH="$(CURDIR)/$(BIN):$$PATH" scripts/test -q -n auto -m "$(FAST)"

bench: $(BIN)/hausgeist
	$(BIN)/python -m benchmarks.understanding.run

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
