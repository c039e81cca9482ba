# The README's two commands: `make run` (the monthly pipeline) and `make test` (the tests).
# Each creates the environment on first use: a venv with pip from PyPI, and a Jupyter
# kernel named observatoire-ti registered inside it (used by papermill and JupyterLab).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PERIODE ?= $(shell date +%Y-%m)
JOBS   ?= $(shell nproc 2>/dev/null || echo 2)
# e.g. LAB_ARGS="--no-browser --allow-root --port 8899" (root needs --allow-root)
LAB_ARGS ?=

.PHONY: run test env lab clean

env: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name observatoire-ti --display-name "Observatoire TI (Python)"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/observatoire run --periode $(PERIODE) --jobs $(JOBS)

test: $(STAMP)
	$(BIN)/python -m pytest

lab: $(STAMP)
	$(BIN)/jupyter lab $(LAB_ARGS)

clean:
	rm -rf $(VENV) build src/*.egg-info
