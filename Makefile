# Two entry points do all set-up on a fresh machine:
#   make start   build the site and serve it on 127.0.0.1 with the right headers
#   make test    every test: pytest natively, then Playwright in Debian Chromium
# Everything else here is what those two need, each step skipped when already done.

VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
PORT    ?= 8000
export CUTOUT_MODELS ?= $(HOME)/.cache/cutout/models

.PHONY: start test test-py test-e2e setup build models graphs bench quality clean

start: build
	$(PY) scripts/serve.py --port $(PORT) --no-build

test: build
	$(MAKE) test-py
	$(MAKE) test-e2e

test-py: setup
	PYTHONPATH=py $(PY) -m pytest tests --ignore=tests/e2e

test-e2e: build
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" npx playwright test

setup: $(STAMP) node_modules/.installed /usr/bin/chromium

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[native,test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Debian's Chromium is the browser for the end-to-end tests (never a downloaded build).
/usr/bin/chromium:
	if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi

models: $(STAMP)
	PYTHONPATH=py $(PY) -m cutout.cli models fetch

build: setup models
	PYTHONPATH=py $(PY) scripts/build.py

bench: build
	PYTHONPATH=py $(PY) scripts/bench.py

# Edge-quality benchmark on the development set (built from npm + scikit-image on first use);
# rewrites the table in README.md. Exits non-zero when a target is missed.
quality: setup models
	PYTHONPATH=py $(PY) scripts/quality.py --readme

clean:
	rm -rf dist build test-results playwright-report
