# Two commands on a fresh machine: `make html` builds the knowledge base,
# `make test` runs the tests. Both create .venv when it is missing.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
SPHINXOPTS ?= --keep-going -j auto

.PHONY: help venv html test lint docs clean

help:
	@echo "make html   build the knowledge base in incidents/ into _build/html"
	@echo "make test   run the test suite"
	@echo "make lint   ruff and mypy"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

venv: $(STAMP)

html: $(STAMP)
	$(BIN)/sphinx-build -b html $(SPHINXOPTS) incidents _build/html
	@echo "Open _build/html/index.html"

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check sphinx_postmortem tests
	$(BIN)/ruff format --check sphinx_postmortem tests
	$(BIN)/mypy

clean:
	rm -rf _build docs/_build
