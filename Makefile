# pic-obs: `make run` serves the API on 127.0.0.1:8080; `make test` runs every suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8080
WORKERS ?= 2
export PIC_DATA_DIR ?= $(CURDIR)/data

# Every plugin distribution under plugins/ (each has its own pyproject.toml and tests/).
PLUGINS := $(patsubst %/pyproject.toml,%,$(wildcard plugins/*/pyproject.toml))

.PHONY: venv run test bench backup clean cell-data logs logs-api logs-wireguard logs-caddy

$(BIN)/.installed: pyproject.toml $(wildcard plugins/*/pyproject.toml)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]' $(foreach p,$(PLUGINS),-e ./$(p))
	touch $@

venv: $(BIN)/.installed

## run: install, make an admin token on first run (printed once), serve the API
run: venv cell-data
	@$(BIN)/pic-obs token create --user admin --role admin --if-missing
	$(BIN)/pic-obs serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

## test: the core's suite and each plugin's own suite, with branch coverage
test: venv
	$(BIN)/coverage erase
	$(BIN)/coverage run -m pytest tests
	@set -e; for p in $(PLUGINS); do \
		echo "== $$p"; \
		$(BIN)/coverage run -m pytest $$p/tests; \
	done
	$(BIN)/coverage combine --quiet
	$(BIN)/coverage report

## bench: every speed target beside its reference, in one run (bench/results.md)
bench: venv
	$(BIN)/python bench/run.py

## backup: data/backups/pic-backup-<UTC>.tar.gz, consistent while the API runs
backup: venv
	@$(BIN)/pic-obs backup

# -- the cell (docker compose), run on the cell server host from /opt/pic -------------
COMPOSE ?= $(shell docker compose version >/dev/null 2>&1 && echo "docker compose" || echo docker-compose)

## cell-data: first install: the config files the containers mount, where none exist yet
cell-data:
	@mkdir -p $(PIC_DATA_DIR) && cp -rn deploy/data/. $(PIC_DATA_DIR)/

## logs: follow all container logs
logs:
	$(COMPOSE) logs -f

logs-api:
	$(COMPOSE) logs -f api

logs-wireguard:
	$(COMPOSE) logs -f wireguard

logs-caddy:
	$(COMPOSE) logs -f caddy

clean:
	rm -rf $(VENV) .coverage .coverage.* .pytest_cache
