# Two commands do everything: `make lab` (set up, open the notebooks) and `make test` (set up, run every test).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# Re-install whenever pyproject.toml changes.
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: setup lab test bench chromium serve clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "codat_nb needs Python 3.11 or newer: run make PYTHON=python3.11 (or newer)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,lab]'
	rm -f $(VENV)/.installed-*
	touch $@

# JupyterLab on the checkout's notebooks, opening the first one (codat-nb lab; arguments after -- go to JupyterLab).
lab: setup
	$(BIN)/codat-nb lab -- $(ROOT_FLAG)

test: setup chromium
	$(BIN)/python -m pytest -n 2 --dist loadfile

bench: setup
	$(BIN)/python benchmarks/run.py

serve: setup
	$(BIN)/codat-nb sandbox serve

# The browser tests drive Debian's Chromium (Playwright cannot download browsers here).
chromium:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "WARNING: chromium is not installed and cannot be installed here (need root or sudo);"; \
		echo "         the browser tests will fail until 'apt-get install chromium' is run."; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
