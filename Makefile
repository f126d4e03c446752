# Two commands: `make run` serves the app with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000

.PHONY: run test install fonts db demo clean

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(BIN)/activate

install: $(BIN)/activate fonts

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

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance/*.db
