# The two commands for a fresh machine:
#   make demo   set up, migrate, import the example content of Horst, chat in the terminal
#   make test   set up and run every check and test (SQLite and PostgreSQL)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LANGS := de de@easy tr ar ro bg uk ru pl

.PHONY: demo test check lint i18n i18n-check bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/quartiersbot demo

test: $(STAMP)
	./scripts/ensure-postgres
	./scripts/ensure-chromium
	./scripts/ensure-pdf-tools
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check .

# Extract messages, merge them into every catalog, compile; translators then fill the .po files.
# The residents' messages go to every language; the back office's (domain staff) to German only.
i18n: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k N_ --no-location --sort-output -o locales/messages.pot .
	for lang in $(LANGS); do \
		if [ -f locales/$$lang/LC_MESSAGES/messages.po ]; then \
			$(BIN)/pybabel -q update -i locales/messages.pot -d locales -l $$lang --no-fuzzy-matching --ignore-obsolete; \
		else \
			$(BIN)/pybabel -q init -i locales/messages.pot -d locales -l $$lang; \
		fi; \
	done
	$(BIN)/pybabel -q extract -F babel-staff.cfg -k N_ --no-location --sort-output -o locales/staff.pot .
	if [ -f locales/de/LC_MESSAGES/staff.po ]; then \
		$(BIN)/pybabel -q update -D staff -i locales/staff.pot -d locales -l de --no-fuzzy-matching --ignore-obsolete; \
	else \
		$(BIN)/pybabel -q init -D staff -i locales/staff.pot -d locales -l de; \
	fi
	$(BIN)/pybabel -q compile -d locales --statistics
	$(BIN)/pybabel -q compile -D staff -d locales --statistics

bench: $(STAMP)
	./scripts/ensure-postgres
	$(BIN)/python benchmarks/handlers.py
	$(BIN)/python benchmarks/queue_tickets.py
	$(BIN)/python benchmarks/back_office.py

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache
