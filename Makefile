# Two commands for a newcomer: `make run` and `make test`. See README.md.
PYTHON_VERSION := $(shell cat .python-version)
PYTHON ?= $(shell command -v python$(PYTHON_VERSION) || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# make test runs against the real PostgreSQL and Redis on this machine.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/petition_elus
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
# The cache's own database (in production, its own instance: README).
TEST_CACHE_REDIS_URL ?= redis://127.0.0.1:6379/14
TEST_ENV := DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
	CACHE_REDIS_URL=$(TEST_CACHE_REDIS_URL) \
	SECRET_KEY=test-only-secret-key ALLOWED_HOSTS=localhost,127.0.0.1 MAILER=smtp CONN_MAX_AGE=0 \
	PLAIN_STATIC_NAMES=true SECURE_SSL_REDIRECT=false

.PHONY: run local-db test lint venv deps test-deps messages clean check-services bench demo fuzz

$(BIN)/python:
	@$(PYTHON) -c 'import sys; v="$(PYTHON_VERSION)"; assert sys.version.startswith(v), f"Python {v} is needed, found {sys.version.split()[0]} at {sys.executable}. Set PYTHON=/path/to/python$(PYTHON_VERSION)."'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.test-deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	@touch $@ $(VENV)/.deps

deps: $(VENV)/.deps
test-deps: $(VENV)/.test-deps

# Compiled catalogues are committed, so make run needs no gettext; when msgfmt
# is here, they are rebuilt from the .po files.
messages: $(VENV)/.deps
	@if command -v msgfmt >/dev/null; then $(BIN)/python manage.py compilemessages --ignore=.venv -v 0; fi

# `make run PORT=8001` (and HOST=): the links in the emails follow.
HOST ?= 127.0.0.1
PORT ?= 8000
RUN_ENV := env -u DATABASE_URL -u REDIS_URL SITE_URL=http://$(HOST):$(PORT)

# The local database, migrated, with the petition and the local moderator.
local-db: deps messages
	$(RUN_ENV) $(BIN)/python manage.py migrate --no-input -v 0
	$(RUN_ENV) $(BIN)/python manage.py load_petition
	$(RUN_ENV) $(BIN)/python manage.py local_moderator

run: local-db
	@echo "Serving http://$(HOST):$(PORT) (emails are printed below)"
	$(RUN_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

# A few hundred approved demo signatories in the local database, to try the public pages.
# Before or after `make run`; with `make run PORT=8001`, `make demo PORT=8001` prints
# links to that port.
demo: local-db
	$(RUN_ENV) $(BIN)/python manage.py demo_data --count 300
	$(RUN_ENV) $(BIN)/python manage.py demo_register

check-services: test-deps
	@DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/python tests/check_services.py

lint: test-deps
	$(BIN)/ruff check .

test: test-deps messages check-services lint
	$(TEST_ENV) $(BIN)/python manage.py collectstatic --no-input -v 0
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS)

# The HTTP-layer fuzz with more requests than `make test` sends (10,000), with its figures.
FUZZ_REQUESTS ?= 100000
fuzz: test-deps check-services
	$(TEST_ENV) FUZZ_REQUESTS=$(FUZZ_REQUESTS) $(BIN)/pytest -s -p no:warnings \
		tests/test_it_survives_http_fuzzing.py

clean:
	rm -rf $(VENV) var staticfiles

# Benchmarks (not tests): real PostgreSQL, Redis, two `celery worker` processes, an SMTP sink.
# Then « have your officials signed? » (on a copy of web.py's 600,000 with a full register)
# and the review desk (bench/officials_page.py, bench/review_desk.py).
# bench/web.py: the site under wrk at 600,000 and 1,000 signatures, the CSV export and the
# confirmation emails; its table goes to bench/results/latest.md (docs/performance.md).
bench: test-deps
	@command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk (Debian's package; .ci/run installs it)"; exit 1; }
	$(BIN)/python bench/web.py
	cd bench && DJANGO_SETTINGS_MODULE=petition.settings ../$(BIN)/python locality_search.py 2000
	cd bench && ../$(BIN)/python outbox_soak.py 1000
	cd bench && ../$(BIN)/python rne_import.py
	$(BIN)/python bench/officials_page.py postgres://postgres@127.0.0.1:5432/petition_bench_600k
	$(BIN)/python bench/review_desk.py
