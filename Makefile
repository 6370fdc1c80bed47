# Two commands matter: `make run` starts the app, `make test` runs every check.
# Each sets up what it needs by itself: system packages (installed when run as
# root, otherwise the exact command is printed) and a virtual environment in .venv.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: run test lint typecheck unit peers bench sysdeps-run sysdeps-test clean

run: sysdeps-run $(VENV)/.installed-run
	$(BIN)/outagetray $(ARGS)

test: sysdeps-test $(VENV)/.installed-test peers lint typecheck unit

lint: $(VENV)/.installed-test
	$(BIN)/ruff check outagetray tests bench
	$(BIN)/ruff format --check outagetray tests bench

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

# Tests run in another zone than UTC, so a local time slipping into the core (which keeps UTC) shows:
# Europe/Berlin unless TZ names another zone (TZ=Asia/Kathmandu make unit).
# As root the real peers were installed by `peers`, so a missing one fails its tests instead of skipping.
unit: $(VENV)/.installed-test peers
	TZ="$${TZ:-Europe/Berlin}" QT_QPA_PLATFORM=offscreen \
	OUTAGETRAY_REQUIRE_PEERS="$${OUTAGETRAY_REQUIRE_PEERS:-$$( [ "$$(id -u)" = 0 ] && echo 1 || echo 0 )}" \
	$(BIN)/python -m pytest -q

# The real servers the sending tests post to (WordPress, a Bluesky PDS, Synapse), in .peers/.
peers:
	@sh tests/peers/setup.sh

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench

sysdeps-run:
	@PYTHON=$(PYTHON) sh packaging/system-deps.sh run

sysdeps-test:
	@PYTHON=$(PYTHON) sh packaging/system-deps.sh test

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-run: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -e '.[test]'
	@touch $@ $(VENV)/.installed-run

clean:
	rm -rf $(VENV) .peers build dist *.egg-info .mypy_cache .ruff_cache .pytest_cache .hypothesis
