# Two commands on a fresh Debian 12 machine with Python 3.11:
#   make demo   installs everything and serves the demo clinic on the embedded database
#   make test   installs everything and runs the test suite
# Both install Debian packages with apt-get (through sudo when not root) and
# create .venv with the dependencies pyproject.toml names, at the versions constraints.txt locks.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get

# WeasyPrint needs Pango (and brings the DejaVu fonts); Playwright's bundled
# Node needs libatomic; browser tests drive Debian's Chromium, never a download.
RUNTIME_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
TEST_DEBS := $(RUNTIME_DEBS) chromium libatomic1 poppler-utils gettext
# The PostgreSQL run also puts the app behind PgBouncer (tests/test_pgbouncer.py, docs/scaling.md).
PG_DEBS := pgbouncer

PYTEST := $(BIN)/pytest
PG_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: demo check test test-pg test-long lint lock audit-deps serve clean debs-runtime debs-test debs-pg bench messages

demo: debs-runtime $(VENV)/.installed
	$(BIN)/dryneedle demo

serve: $(VENV)/.installed
	$(BIN)/dryneedle serve

# The pure rule modules (no database): every line of them is run by a test.
RULE_MODULES := dryneedle/screening/rules.py,dryneedle/outcomes/scoring.py,dryneedle/plans/rules.py,dryneedle/aftercare/rules.py,dryneedle/adverse_events/rules.py,dryneedle/outcomes/schedule.py,dryneedle/outcomes/words.py,dryneedle/messaging/rules.py,dryneedle/consent/text.py,dryneedle/patients/coding.py

test: debs-test $(VENV)/.installed lint
	$(PYTEST) -n 2 -q --cov --cov-report=
	@echo "Line coverage of dryneedle: $$($(BIN)/coverage report --format=total)%"
	$(BIN)/coverage report --include=$(RULE_MODULES) --fail-under=100

# The fast tier while you work: lint (ruff, bandit, the layers contract, mypy) and every test but
# the browser and fuzz ones (about 2 min here).
check: $(VENV)/.installed lint
	$(PYTEST) -n 2 -q -m "not browser and not fuzz"

# The same suite on PostgreSQL (this machine and CI have it on 127.0.0.1:5432), connected
# as an application role that owns nothing (TEST_APP_ROLE, as production: docs/operations.md);
# then the few tests that play an attacker with the owner's powers, as the owner.
test-pg: debs-test debs-pg $(VENV)/.installed
	DATABASE_URL=$(PG_URL) TEST_APP_ROLE=dryneedle_test_app $(PYTEST) -n 2 -q -m "not owner"
	DATABASE_URL=$(PG_URL) $(PYTEST) -q -m owner

# Release checks: long fuzzing and tamper trials.
test-long: debs-test $(VENV)/.installed
	$(PYTEST) -n 2 -q -m long --run-long

# The patient's pages in Spanish and Canadian French (docs/translations.md): gather the marked strings into the .po
# files, then compile the .mo files that ship (a test checks they match).
messages: $(VENV)/.installed
	cd dryneedle && ../$(BIN)/dryneedle makemessages -l es -l fr_CA -i "tests/*" -i "*/tests/*"
	for l in es fr_CA; do msgfmt --check -o dryneedle/locale/$$l/LC_MESSAGES/django.mo dryneedle/locale/$$l/LC_MESSAGES/django.po; done

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -c pyproject.toml -r dryneedle
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy
	DEBUG=True $(BIN)/dryneedle makemigrations --check --dry-run  # a model change without its migration fails here

# The load benchmark (by hand, not in CI): seeds or reuses a demo-size and a group-size database on SQLite and
# PostgreSQL, serves each with gunicorn and writes benchmarks/results/<date>.md and .json (benchmarks/bench.py).
bench: debs-test $(VENV)/.installed
	$(BIN)/python benchmarks/bench.py

# Known vulnerabilities in the locked dependency set (RT-23; waivers in security/waivers.toml).
audit-deps: $(VENV)/.installed
	$(BIN)/python security/audit_deps.py

debs-runtime:
	@dpkg -s $(RUNTIME_DEBS) >/dev/null 2>&1 || { $(APT) update -qq && $(APT) install -y -qq --no-install-recommends $(RUNTIME_DEBS); }
	@$(PYTHON) -c "import ensurepip, venv" 2>/dev/null || { $(APT) update -qq && $(APT) install -y -qq --no-install-recommends python3-venv; }

debs-test:
	@dpkg -s $(TEST_DEBS) >/dev/null 2>&1 || { $(APT) update -qq && $(APT) install -y -qq --no-install-recommends $(TEST_DEBS); }
	@$(PYTHON) -c "import ensurepip, venv" 2>/dev/null || { $(APT) update -qq && $(APT) install -y -qq --no-install-recommends python3-venv; }

debs-pg:
	@dpkg -s $(PG_DEBS) >/dev/null 2>&1 || { $(APT) update -qq && $(APT) install -y -qq --no-install-recommends $(PG_DEBS); }

$(VENV)/.installed: constraints.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade "pip>=25.1"
	$(BIN)/pip install -q -c constraints.txt --group dev -e .
	touch $@

# Re-lock after changing the dependencies in pyproject.toml: a fresh environment, then every version.
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install -q --upgrade "pip>=25.1"
	.venv-lock/bin/pip install -q --group dev -e .
	{ echo "# The lock: every package of pyproject.toml's runtime and dev sets, at one version (make lock)."; \
	  .venv-lock/bin/pip freeze --exclude-editable; } > constraints.txt
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) var .hypothesis .schemathesis
