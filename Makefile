# The README's two commands: `make run` (the monthly pipeline) and `make test` (the tests).
# Each creates the environment on first use: a venv with pip from PyPI, and a Jupyter
# kernel named observatoire-ti registered inside it (used by papermill and JupyterLab).
# The venv is installed from requirements.lock (exact versions, sha256 of every wheel), which
# `make lock` writes from pyproject.toml with pip-tools (LOCK_ARGS=--upgrade: newest versions).
# The lock holds the build backend too (build-system.requires: setuptools), so the package is
# installed, and a wheel built (tests/test_paquet.py), without downloading anything more.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock
LOCK_VENV ?= .venv-lock
LOCK_ARGS ?=
PERIODE ?= $(shell date +%Y-%m)
JOBS   ?= $(shell nproc 2>/dev/null || echo 2)
# test processes (pytest-xdist): one per core, at most 4 (each may hold a real month in memory);
# a test file runs whole in one process (its module fixtures are computed once). TEST_WORKERS=0: one process.
TEST_WORKERS ?= auto
# e.g. LAB_ARGS="--no-browser --allow-root --port 8899" (root needs --allow-root)
LAB_ARGS ?=

.PHONY: run test env lab lock clean

env: $(STAMP)

$(STAMP): $(LOCK) pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name observatoire-ti --display-name "Observatoire TI (Python)"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/observatoire run --periode $(PERIODE) --jobs $(JOBS)

test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --maxprocesses 4 --dist loadfile

lab: $(STAMP)
	$(BIN)/jupyter lab $(LAB_ARGS)

lock: pyproject.toml
	test -x $(LOCK_VENV)/bin/pip-compile || ($(PYTHON) -m venv $(LOCK_VENV) && $(LOCK_VENV)/bin/python -m pip install --quiet "pip-tools==7.*")
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --all-build-deps --strip-extras --no-emit-index-url \
	  --no-emit-find-links $(LOCK_ARGS) --output-file $(LOCK) pyproject.toml

clean:
	rm -rf $(VENV) $(LOCK_VENV) build src/*.egg-info
