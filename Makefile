# Two commands for a fresh machine: `make run` (the portal with demo data) and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
PYBABEL := $(VENV)/bin/pybabel
LOCK := requirements/lock.txt
INSTALLED := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCK) | sha1sum | cut -c1-12)
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locales/*/LC_MESSAGES/messages.po))
PORT ?= 8000

.PHONY: run test bench install lock translations compile-translations assets check-types clean mutants

# The demo lets anyone in as anyone, so it is asked for here; without PORTAL_ENV the portal is production.
# PORT (`make run PORT=18100`) is where it listens, and the demo's origin follows it. Mail the portal
# sends is caught by a local SMTP server and listed at /demo/post.
run: install compile-translations
	PORTAL_ENV=demo $(VENV)/bin/portal migrate
	PORTAL_ENV=demo $(VENV)/bin/portal demo --port $(PORT)
	PORTAL_ENV=demo $(VENV)/bin/portal serve --port $(PORT) --catch-mail

# One pytest worker per core (pytest-xdist), a test file at a time per worker: the browser files
# share one live server and Chromium per worker. PYTEST_WORKERS=0 runs in this process.
PYTEST_WORKERS ?= auto
test: install compile-translations
	$(PY) -m mypy
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile

# Every script in benchmarks/, one after another (they share 2 cores, so never two at once).
# Each starts its own server on 127.0.0.1; throughput.py also needs PostgreSQL on 127.0.0.1:5432
# (it says so and goes on with SQLite), first_visit.py Chromium (it says it is skipped without it).
# All run even when one fails; the target fails if any did.
bench: install compile-translations
	@failed=""; for script in benchmarks/*.py; do \
		echo "== $$script"; \
		$(PY) $$script || failed="$$failed $$script"; \
	done; \
	if [ -n "$$failed" ]; then echo "bench: failed:$$failed" >&2; exit 1; fi

install: $(INSTALLED)

# Every package of the tree comes from the lock file, each checked against its hash; the portal
# itself is then installed without resolving anything further.
$(INSTALLED): pyproject.toml $(LOCK)
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r $(LOCK)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(PY) -m pip check --disable-pip-version-check
	rm -f $(VENV)/.installed-*
	touch $@

# Re-resolve the whole dependency tree after changing pyproject.toml (needs the index). Not after
# `install`: that checks the tree against pyproject.toml, which is exactly what is out of date here.
lock:
	test -x $(VENV)/bin/pip-compile || $(MAKE) install
	$(VENV)/bin/pip-compile --quiet --extra test --generate-hashes --allow-unsafe --strip-extras \
		--no-emit-index-url --no-emit-find-links -o $(LOCK) pyproject.toml requirements/tools.in

compile-translations: $(MO_FILES)

locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po | install
	$(PYBABEL) compile -i $< -o $@

# Extract every translatable string and merge it into the catalogues (then translate the new ones).
translations: install
	$(PYBABEL) extract --no-location --sort-output --omit-header -F babel.cfg -k N_ -o locales/messages.pot portal templates
	$(PYBABEL) update --no-fuzzy-matching --ignore-obsolete -w 100 -i locales/messages.pot -d locales -D messages

# Rebuild the vendored front-end (DKFDS cut down, htmx) into static/. Needs npm; running the portal does not.
assets:
	cd assets && npm ci --no-audit --no-fund && npm run build

check-types: install
	$(PY) -m mypy

clean:
	rm -rf $(VENV) var $(MO_FILES)

# Mutation testing (mutmut, configured in setup.cfg): small bugs are planted one at a time in the
# access rules and the request plumbing, and the fast tests (unit and web, SQLite, no browser) must
# catch each. All four files take well over an hour on 2 cores; MUTANTS='portal.access.*' runs a part.
# Results are kept in mutants/, so a second run only redoes what changed.
MUTANTS ?=
MUTMUT_CHILDREN ?= 2
mutants: install compile-translations
	env -u PORTAL_TEST_POSTGRES_URL nice $(VENV)/bin/mutmut run --max-children $(MUTMUT_CHILDREN) $(foreach m,$(MUTANTS),'$(m)')
	$(VENV)/bin/mutmut results
