# Two commands do all the set-up on a fresh machine: `make demo` and `make test`. Both are idempotent.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup demo test lint bench browser clean

setup: $(STAMP) web/build/consent-tools.js browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error

web/build/consent-tools.js: web/node_modules/.package-lock.json web/consent-tools-entry.js
	cd web && npm run -s build

# Playwright's own browser if installed, else a system Chromium, else apt-get (as root).
browser: $(STAMP)
	$(VENV)/bin/probe browser

demo: setup
	$(VENV)/bin/probe demo

test: setup
	$(VENV)/bin/ruff check probe tests benchmarks
	$(VENV)/bin/mypy probe
	$(VENV)/bin/pytest -q -p no:cacheprovider --durations=15 -n 3 --dist loadfile

bench: setup
	$(PY) benchmarks/scenario_overhead.py
	$(PY) benchmarks/suite_scaling.py
	$(PY) benchmarks/har_throughput.py --mb 100

clean:
	rm -rf $(VENV) web/node_modules web/build artifacts
