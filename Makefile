# Every target installs what it needs into .venv on first use: `run` only what a summary needs,
# the others the test and lint tools as well.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test test-fast lint bench sweep fuzz format schemas pictures clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	@echo "First run: installing cnninspect and what a summary needs (typer, rich, pyyaml, torch)"
	@echo "into $(VENV). torch is a large download (hundreds of MB; more with CUDA): pip shows its progress."
	$(BIN)/pip install --progress-bar on -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	@echo "Installing cnninspect with its test and lint tools (pytest, ruff, mypy, torchvision,"
	@echo "jsonschema, xmlschema, pre-commit, …) into $(VENV); torch is a large download."
	$(BIN)/pip install --progress-bar on -e '.[dev]'
	touch $@ $(RUN_STAMP)

run: $(RUN_STAMP)  ## the main job: a summary of a bundled architecture
	$(BIN)/cnninspect summary lecture-example --notation hwc

test: $(DEV_STAMP)
	$(BIN)/pytest -q

test-fast: $(DEV_STAMP)  ## everything but the tests marked slow (the sweeps)
	$(BIN)/pytest -q -m "not slow"

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports  # the import direction and no cycles (pyproject.toml)

format: $(DEV_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

schemas: $(RUN_STAMP)  ## rewrite schema/: the YAML format and every JSON output (tests compare)
	$(BIN)/cnninspect schema > schema/cnninspect.schema.json
	# every JSON output kind, read from cnninspect.choices (the one list of them)
	for kind in $$($(BIN)/python -c 'from cnninspect.choices import OUTPUT_KINDS; print(*OUTPUT_KINDS)'); do \
	  $(BIN)/cnninspect schema --output $$kind > schema/$$kind.schema.json; done

pictures: $(RUN_STAMP)  ## redraw docs/images/ (shown in README.md; tests/test_pictures.py compares)
	$(BIN)/cnninspect draw lenet5 -o docs/images/lenet5-volumes.svg
	$(BIN)/cnninspect draw resnet18 --style graph --depth 1 -o docs/images/resnet18-graph-depth1.svg
	$(BIN)/cnninspect draw resnet18 --style graph -o docs/images/resnet18-graph.svg
	$(BIN)/cnninspect draw alexnet-paper -o docs/images/alexnet-paper-volumes.svg

fuzz: $(DEV_STAMP)  ## the property-based fuzz, long: 3000 examples a test from a random seed
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest -q tests/test_fuzz.py -p no:cacheprovider

sweep: $(DEV_STAMP)  ## every timm architecture and torchvision builder checked (docs/sweep.md; resumable)
	$(BIN)/python benchmarks/sweep.py -j 2

bench: $(DEV_STAMP)
	$(BIN)/python benchmarks/bench.py
	$(BIN)/python benchmarks/distributed.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
