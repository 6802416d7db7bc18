# Docent: `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := app

.PHONY: run test lint widget clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

run: export DOCENT_DEMO = 1
run: $(VENV)/.runtime
	$(BIN)/flask db upgrade
	PORT=$(PORT) $(BIN)/flask seed
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT) --with-threads

test: $(VENV)/.dev
	$(BIN)/pytest -q

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Rebuild widget/docent.js (what /widget.js serves) from widget/src/docent.js.
widget:
	cd widget && npm ci && npm run build

clean:
	rm -rf $(VENV) .pytest_cache
