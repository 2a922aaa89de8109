# The two commands of the README's quick start:
#   make demo   runs the pipeline end to end on the bundled sample (SQLite file in demo-out/)
#   make test   runs the test suite (SQLite and the local PostgreSQL)
# Both create the virtual environment .venv on first use.

PYTHON ?= python3
VENV := .venv
INSTALLED := $(VENV)/.installed

.PHONY: demo test bench lint clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[test]"
	touch $(INSTALLED)

demo: $(INSTALLED)
	$(VENV)/bin/qaforge demo demo-out

test: $(INSTALLED)
	bash scripts/ensure-postgres.sh
	bash scripts/ensure-labelstudio.sh
	$(VENV)/bin/ruff check qaforge tests benchmarks migrations scripts
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest

bench: $(INSTALLED)
	$(VENV)/bin/python benchmarks/run.py

clean:
	rm -rf demo-out .pytest_cache benchmarks/out
