# Two commands: `make run` serves the app with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000

.PHONY: run test install db demo clean

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(BIN)/activate

install: $(BIN)/activate

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
