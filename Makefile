# Two commands: `make map` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
DATE   ?= 2021-08-08

.PHONY: map test bench data lint clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("mapgen needs Python 3.11 or newer (set PYTHON=...)" if sys.version_info < (3, 11) else 0)'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

map: $(STAMP)
	$(BIN)/mapgen render --date $(DATE) --out outputs/control-$(DATE).html

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python benchmarks/run.py

# Rebuild data/boundaries/ from the raw files in ../shared/data (not needed to use mapgen).
data: $(STAMP)
	$(BIN)/python scripts/build_boundaries.py --raw ../shared/data --out data/boundaries

lint: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	$(BIN)/python -m ruff check mapgen tests scripts benchmarks
	$(BIN)/python -m mypy mapgen

clean:
	rm -rf $(VENV) outputs/*.html outputs/*.png
