# Two commands: `make run` serves the app with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000

# Python writes the bytecode of what it compiles (__pycache__), whatever the caller's environment
# says: `make test` starts about ten Python processes (pytest and its xdist workers, twice, and
# the servers and commands some tests start), and with PYTHONDONTWRITEBYTECODE set each of them
# compiled the app and the tests again, and pytest rewrote the asserts of every test module and
# plugin it loaded (about 7 s of CPU per process).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test screens lint install fonts db demo clean bench bench-http translations translations-update load load-pg

# uv installs pyproject.toml's pins into .venv: about 10 s where pip took 25 with its cache warm
# (uv's cache was cold). It compiles the bytecode as pip does, so that the suite's processes do
# not each compile what they import. uv itself is pinned here, not in pyproject.toml, because it
# is what installs pyproject.toml.
UV_VERSION := 0.13.8
UV_INSTALL := $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(UV_INSTALL) -e ".[dev]"
	touch $(BIN)/activate

install: $(BIN)/activate fonts node_modules translations

# Message catalogues (Chinese source strings, English translation): the .po files are the source
# and are committed; the .mo files are built from them here (git ignores them), again whenever a
# .po is newer, so `make test` and `make run` always serve the current translations.
# zh_Hans_CN is a symlink to zh_CN: Babel spells zh_CN that way and Flask-Babel looks the catalogue
# up under that name.
TRANSLATIONS := proxy_service/translations
LOCALES := zh_CN en
CATALOGS := $(foreach l,$(LOCALES),$(TRANSLATIONS)/$(l)/LC_MESSAGES/messages.mo)
BABEL_KEYWORDS := -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k _lp:1c,2 -k lazy_pgettext:1c,2

translations: $(CATALOGS)

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po | $(BIN)/activate
	$(BIN)/pybabel compile --statistics -l $* -i $< -o $@

# After changing messages: extract them, merge them into both catalogues (zh_CN translates each
# to itself), build. Then translate what is new or fuzzy in en; tests/test_i18n.py fails until then.
translations-update: $(BIN)/activate
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --add-comments=TRANSLATORS: \
	  --sort-by-file --no-wrap --project=proxy_service -o $(TRANSLATIONS)/messages.pot .
	for l in $(LOCALES); do \
	  $(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l $$l --no-wrap --ignore-obsolete; \
	done
	$(BIN)/python -m proxy_service.core.translation_files fill-zh
	$(MAKE) translations

# axe-core for the accessibility checks of the browser tests (package.json, pinned by its lock file).
# Without npm the tests say how to get it (and fail under CI) instead of the build stopping here.
node_modules: package.json package-lock.json
	@if command -v npm >/dev/null; then \
	  npm ci --no-audit --no-fund && touch node_modules; \
	else \
	  echo "note: install npm (apt-get install npm) so the browser tests can run axe-core"; \
	fi

# The CJK font embedded in generated PDFs: installed where we can (Debian, as root), else a hint.
WQY := /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc
fonts:
	@if [ ! -e $(WQY) ] && [ -z "$$CJK_FONT_PATH" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-zenhei; \
	  else \
	    echo "note: install fonts-wqy-zenhei (or set CJK_FONT_PATH) so PDFs embed their Chinese font"; \
	  fi; \
	fi

db: install
	mkdir -p instance
	$(FLASK) db upgrade

demo: db
	$(FLASK) seed-demo

run: demo
	@echo "Serving on http://127.0.0.1:$(PORT)  —  demo logins (password demo1234):"
	@echo "  managers: manager, manager2   agents: agent1 agent2 agent3 agent4   enterprises: ent1 ent2 ent3"
	@echo "  staff also give a one-time code: TOTP secret PROXYSERVICEDEMOPROXYSERVICEDEMO (README, Security)"
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# The linter (ruff: pyflakes, bugbear, pyupgrade, simplify, isort, no imports inside functions)
# and the layers of DESIGN.md §5 (import-linter); both configured in pyproject.toml.
lint: $(BIN)/activate
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# The suite in two pytest runs at once: all but the browser tests on PYTEST_WORKERS processes
# (pytest-xdist; each worker has a database of its own, tests/conftest.py), and beside it the
# browser tests on BROWSER_WORKERS processes (default 1), each serving its own app and database.
# Two runs, because Playwright's asyncio loop and pyHanko's asyncio.run (the `pdf` tests) cannot
# share a main thread; at once, because the browser tests mostly wait for Chromium and the server
# while the other run keeps both cores busy. One browser worker, because beside the other run a
# second one finished no sooner and cost its own Chromium: about 20 s more CPU in all
# (benchmarks/RESULTS.md). `make screens`, alone, has PYTEST_WORKERS. The browser run's report is printed
# after the other's. PYTEST_ARGS go to the first run, BROWSER_ARGS to the second; BROWSER=0 (or
# PYTEST_ARGS with --ignore=tests/browser) skips the browser run.
PYTEST_WORKERS ?= auto
BROWSER_WORKERS ?= 1
BROWSER ?= 1
ifneq (,$(findstring --ignore=tests/browser,$(PYTEST_ARGS)))
BROWSER := 0
endif
BROWSER_RUN = $(BIN)/python -m pytest tests/browser -n $(BROWSER_WORKERS) $(BROWSER_ARGS)

# The browser tests alone, with a full-page screenshot at 1280 and 375 px of every page they
# visit in artifacts/screens/<test>/ (`make test` takes none).
screens: BROWSER_WORKERS = $(PYTEST_WORKERS)
screens: install
	SCREENS=1 $(BROWSER_RUN)

test: install
	@status=0; browser=; \
	if [ "$(BROWSER)" != 0 ]; then \
	  log=$$(mktemp); \
	  $(BROWSER_RUN) >"$$log" 2>&1 & browser=$$!; \
	  trap 'kill $$browser 2>/dev/null; rm -f "$$log"' INT TERM; \
	fi; \
	echo "$(BIN)/python -m pytest --ignore=tests/browser -n $(PYTEST_WORKERS) $(PYTEST_ARGS)"; \
	$(BIN)/python -m pytest --ignore=tests/browser -n $(PYTEST_WORKERS) $(PYTEST_ARGS) || status=$$?; \
	if [ -n "$$browser" ]; then \
	  echo "$(BROWSER_RUN)"; \
	  wait $$browser || status=$$((status ? status : $$?)); \
	  cat "$$log"; rm -f "$$log"; \
	fi; \
	exit $$status

# Page speed at N = 1,000 and 100,000 cases (BENCH_SIZES=1000,5000 for a quick run); the seeded
# databases are kept in instance/bench/ and reused until the migrations change (benchmarks/).
bench: install
	$(BIN)/python benchmarks/pages_bench.py

# Throughput beside a minimal Flask app, both under gunicorn (2 sync workers, production
# settings) and wrk -t2 -c32 (benchmarks/http/run.py; BENCH_HTTP_CASES, BENCH_HTTP_SECONDS,
# BENCH_HTTP_PORT, BENCH_HTTP_MEMORY_REQUESTS override the defaults). wrk is a Debian package.
bench-http: install
	@if ! command -v wrk >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; \
	  else \
	    echo "install wrk (apt-get install wrk) for make bench-http"; exit 1; \
	  fi; \
	fi
	$(BIN)/python benchmarks/http/run.py

# Load under gunicorn with the production settings (benchmarks/load/, README "Load test"): a fresh
# seeded database, locust headless, 64 users × 60 s, then the pass criteria. load-pg: two
# instances on one PostgreSQL (LOAD_PG_URL) with the cron jobs on both. LOAD_USERS, LOAD_DURATION,
# LOAD_CASES, LOAD_WAIT, LOAD_PORT, LOAD_DIR override the defaults.
LOAD_STAMP := $(VENV)/.load-installed

$(LOAD_STAMP): pyproject.toml | $(BIN)/activate
	$(UV_INSTALL) -e ".[dev,load]"
	touch $@

load: install $(LOAD_STAMP)
	$(BIN)/python benchmarks/load/run.py

load-pg: install $(LOAD_STAMP)
	@if ! pg_isready -h 127.0.0.1 -p 5432 -q && command -v pg_ctlcluster >/dev/null; then \
	  pg_ctlcluster --skip-systemctl-redirect "$$(ls /etc/postgresql)" main start; \
	  for _ in $$(seq 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done; \
	fi
	$(BIN)/python benchmarks/load/run.py --pg

clean:
	rm -rf $(VENV) instance/*.db $(CATALOGS)
