# Two commands: `make demo` runs the agent on the embedded example home, `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
# Extras installed for the tests; CI adds "tune" (torch) to run the distillation tests too.
EXTRAS ?= dev
BIN := $(VENV)/bin

.PHONY: demo test install dev bench clean

$(BIN)/hausgeist: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[$(EXTRAS)]"
	touch $@

install dev: $(BIN)/hausgeist

demo: $(BIN)/hausgeist
	$(BIN)/hausgeist demo

test: $(BIN)/hausgeist
	PATH="$(CURDIR)/$(BIN):$$PATH" scripts/test

bench: $(BIN)/hausgeist
	$(BIN)/python -m benchmarks.understanding.run

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
