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

.PHONY: venv run test backup clean

$(BIN)/.installed: pyproject.toml $(wildcard plugins/*/pyproject.toml)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]' $(foreach p,$(PLUGINS),-e ./$(p))
	touch $@

venv: $(BIN)/.installed

## run: install, make an admin token on first run (printed once), serve the API
run: venv
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

## backup: data/backups/pic-backup-<UTC>.tar.gz, consistent while the API runs
backup: venv
	@$(BIN)/pic-obs backup

clean:
	rm -rf $(VENV) .coverage .coverage.* .pytest_cache
