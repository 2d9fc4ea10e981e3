# Two commands on a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .venv-tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
# Test processes (pytest-xdist); each has databases of its own. `make test TEST_WORKERS=0` runs
# in one process.
TEST_WORKERS ?= auto

export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: install run admin-key test lint format typecheck migrations-check seed-demo clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

install: $(VENV)/.installed  ## Create .venv from the lock file

run: install  ## Migrate the database (SQLite file by default) and serve on HOST:PORT
	$(BIN)/sofifi-api migrate
	$(BIN)/sofifi-api serve

# On the database `make run` migrated. The key is alone on the last line of standard output,
# so that `export SOFIFI_API_KEY=$$(make -s admin-key | tail -n 1)` works.
admin-key: install  ## On a database without clients: create an admin client, print its key once
	$(BIN)/sofifi-api clients bootstrap-admin

test: install  ## The whole test suite (SOFIFI_TEST_DATABASE_URL selects PostgreSQL)
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

lint: install  ## ruff, mypy and the models-versus-migrations check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(MAKE) migrations-check

migrations-check: install
	rm -f var/alembic-check.db
	DATABASE_URL=sqlite:///var/alembic-check.db $(BIN)/alembic upgrade head
	DATABASE_URL=sqlite:///var/alembic-check.db $(BIN)/alembic check
	rm -f var/alembic-check.db

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

seed-demo: install  ## Load the illustrative demo data set
	$(BIN)/sofifi-api migrate
	$(BIN)/sofifi-api seed-demo

clean:
	rm -rf $(VENV) $(TOOLS) var .pytest_cache .mypy_cache .ruff_cache
