# Two commands on a fresh machine: `make html` builds the knowledge base,
# `make test` runs the tests. Both create .venv when it is missing.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
BENCH_STAMP := $(VENV)/.installed-bench
SPHINXOPTS ?= --keep-going -j auto
KB ?= incidents
RANGE ?= origin/main..HEAD

# Values given on the command line (make new-incident TITLE='...') reach the
# commands exactly as typed: make neither expands them ($, $(shell ...)) nor
# splits them. Each is exported unexpanded and recipes quote it as "$$NAME";
# flags are written --name="$$NAME", so a value starting with - stays a value.
SAFE_VARIABLES := KB TITLE SEVERITY DATE SERVICES FORMAT RANGE SRC TIMEZONE
$(foreach v,$(SAFE_VARIABLES),$(eval override export $(v) := $$(value $(v))))

.PHONY: help venv html serve new-incident import hooks check check-commits docs test fuzz lint bench bench-scale clean

help:
	@echo "make html            build the knowledge base in incidents/ into _build/html"
	@echo "make serve           rebuild and reload it in the browser as you write"
	@echo "make new-incident    start the next post-mortem (TITLE= SEVERITY= DATE= SERVICES= FORMAT=)"
	@echo "make import SRC=...  bring existing Markdown post-mortems in (TIMEZONE= DRY_RUN=1)"
	@echo "make check           review every post-mortem: blame, structure, actions"
	@echo "make hooks           install the commit-message check and the review hook"
	@echo "make check-commits   check commit messages (RANGE=origin/main..HEAD)"
	@echo "make docs            build the manual in docs/ into docs/_build/html"
	@echo "make test            run the test suite"
	@echo "make fuzz            property-based tests with many more cases (slow; FUZZ_EXAMPLES=600)"
	@echo "make lint            ruff and mypy"
	@echo "make bench           time the extension against plain Sphinx, todo and sphinx-needs, reST and MyST"
	@echo "make bench-scale     plain, markup and ours at 300 and 3000 incidents (SCALE_BUILDERS=dummy)"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

venv: $(STAMP)

html: $(STAMP)
	$(BIN)/sphinx-build -b html $(SPHINXOPTS) "$$KB" _build/html
	@echo "Open _build/html/index.html"

serve: $(STAMP)
	$(BIN)/sphinx-autobuild --host 127.0.0.1 --port 8000 "$$KB" _build/html

# Make variables become flags (see SAFE_VARIABLES: any title is safe to
# quote); in a terminal the command asks for the rest.
new-incident: $(STAMP)
	@$(BIN)/python -m sphinx_postmortem new --kb="$$KB" \
		$(if $(TITLE),--title="$$TITLE") $(if $(SEVERITY),--severity="$$SEVERITY") \
		$(if $(DATE),--date="$$DATE") $(if $(SERVICES),--services="$$SERVICES") \
		$(if $(FORMAT),--format="$$FORMAT")

# SRC is one path (a file or a folder), passed as typed (see SAFE_VARIABLES).
import: $(STAMP)
	@test -n "$$SRC" || { echo "make import SRC=path/to/postmortems"; exit 2; }
	@$(BIN)/python -m sphinx_postmortem import --kb="$$KB" \
		$(if $(TIMEZONE),--timezone="$$TIMEZONE") $(if $(DRY_RUN),--dry-run) -- "$$SRC"

hooks: $(STAMP)
	$(BIN)/pre-commit install --hook-type commit-msg --hook-type pre-commit

check: $(STAMP)
	$(BIN)/python -m sphinx_postmortem check -- "$$KB"

check-commits: $(STAMP)
	$(BIN)/cz check --rev-range="$$RANGE"
	$(BIN)/python -m sphinx_postmortem check-trailers --kb="$$KB" --rev-range="$$RANGE"

docs: $(STAMP)
	$(BIN)/sphinx-build -b html -W --keep-going docs docs/_build/html
	@echo "Open docs/_build/html/index.html"

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest tests/test_fuzz.py --hypothesis-show-statistics $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check sphinx_postmortem tests benchmarks
	$(BIN)/ruff format --check sphinx_postmortem tests benchmarks
	$(BIN)/mypy

# the benchmarks' peers (sphinx-needs) are not part of the dev install
$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@

bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/run.py --count 300

# the flavours the scale targets of issue 19 name, in both syntaxes; html at
# N=3000 is long (see benchmarks/README.md): SCALE_BUILDERS=dummy for the short run
SCALE_FLAVOURS ?= plain,markup,ours
SCALE_BUILDERS ?= dummy,html
bench-scale: $(BENCH_STAMP)
	$(BIN)/python benchmarks/run.py --count 300 3000 --flavours $(SCALE_FLAVOURS) \
		--builders $(SCALE_BUILDERS) --runs 2 --warmup 0 --no-incremental

clean:
	rm -rf _build docs/_build benchmarks/_work
