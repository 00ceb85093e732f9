# The two commands a newcomer needs: `make run` and `make test` (see README.md).
PYTHON ?= python3.11
VENV   := .venv
VPY    := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
ARGS   ?=
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install run test lint check chromium messages bench

# (Re)install into .venv whenever the dependency files change; versions pinned by constraints.txt.
$(STAMP): pyproject.toml constraints.txt
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Everything: embedded PostgreSQL + Redis, migrate, demo data, gunicorn + Celery worker + beat. Ctrl-C stops all.
run: install
	$(VPY) scripts/devstack.py run

## The whole suite against a real PostgreSQL and Redis (embedded unless DATABASE_URL / REDIS_URL are set).
test: install chromium
	$(VPY) scripts/devstack.py test $(ARGS)

lint: install
	$(VENV)/bin/ruff check .

## What CI checks besides the tests: migrations match the models, types (mypy), lint.
check: install
	$(VPY) scripts/devstack.py check
	$(VENV)/bin/ruff check .

## Browser tests drive Debian's Chromium (Playwright cannot download its own browser here), with a Chinese
## font so that screenshots show the pages as users see them.
chromium:
	@{ command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q .; } || { \
	  echo "installing Debian's chromium and a Chinese font for the browser tests"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; }

## Performance targets (DESIGN.md) against PEOPLE synthetic people in a database of its own (`bench`):
## make bench PEOPLE=1000000 ARGS="--scenario 'registration.*' --iterations 500". Exits non-zero on a missed target.
PEOPLE ?= 1000000
bench: install
	PEOPLE=$(PEOPLE) $(VPY) scripts/devstack.py bench $(ARGS)

## Our msgids are Chinese; English lives in locale/en. After changing UI text: make messages, fill the new
## msgstr entries in locale/en/LC_MESSAGES/django.po, make messages again (needs GNU gettext), commit both files.
messages: install
	$(VPY) manage.py makemessages -l en --ignore=.venv --ignore=var --ignore=staticfiles --ignore=tests
	$(VPY) manage.py compilemessages -l en --ignore=.venv
