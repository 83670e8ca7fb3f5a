# The README's commands. `make run` and `make test` set everything up on a fresh clone.
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# A Python 3.12+ interpreter: PYTHON if given, else the first of python3.13,
# python3.12, python3 that is 3.12+, else one installed by pyenv.
PYTHON ?= $(shell bin/find-python)

.PHONY: run test test-fast worker bench lint format messages demo clean upgrade

$(PY): pyproject.toml constraints.txt
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is required" >&2; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(PY)

# Newer releases within the ranges of pyproject.toml, written to constraints.txt.
upgrade: $(PY)
	$(PY) -m pip install --quiet --upgrade -e ".[dev]"
	{ sed -n '/^#/p' constraints.txt; $(PY) -m pip freeze --exclude-editable; } > constraints.new
	mv constraints.new constraints.txt

locale/en/LC_MESSAGES/django.mo: locale/en/LC_MESSAGES/django.po
	msgfmt --check -o $@ $<

messages: $(PY)
	$(PY) manage.py makemessages -l en --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=node_modules --ignore=tests --ignore=bench
	$(PY) manage.py makemessages -d djangojs -l en --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=node_modules --ignore=tests --ignore=bench
	$(PY) manage.py compilemessages --ignore=.venv

run: $(PY)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py demo
	$(PY) manage.py runserver 127.0.0.1:8000

demo: $(PY)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py demo

test: $(PY)
	$(PY) manage.py collectstatic --no-input --verbosity 0
	$(PY) -m pytest $(PYTEST_ARGS)

# Everything but the browser tests.
test-fast: $(PY)
	$(PY) -m pytest -m "not browser" $(PYTEST_ARGS)

worker: $(PY)
	@test -n "$$REDIS_URL" || { echo "Set REDIS_URL, e.g. REDIS_URL=redis://127.0.0.1:6379/0" >&2; exit 1; }
	$(BIN)/celery -A solidaire worker --beat --loglevel=INFO

bench: $(PY)
	$(PY) -m bench

lint: $(PY)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: $(PY)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 media private sent-emails
