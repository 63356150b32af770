# Two commands matter: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	$$p -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null && command -v $$p && break; done)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
export FLASK_APP := clinic

.PHONY: run test e2e bench lint migrate seed clean-venv i18n-extract i18n-update i18n-compile

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed on the PATH"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing the clinic app and its development tools into $(VENV) ..."
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@$(BIN)/python -c 'from clinic.i18n import compile_catalogues; compile_catalogues()'
	@$(BIN)/python -c 'from clinic.assets import build; build()'
	@touch $(STAMP)

migrate: $(STAMP)
	@mkdir -p instance
	@$(BIN)/flask db upgrade

seed: migrate
	@$(BIN)/flask seed-demo

# E-mail leaves only through the outbox: the dispatcher runs every minute beside the web server.
run: seed
	@echo "Serving on http://127.0.0.1:5000, e-mail dispatcher every minute  (Ctrl+C stops both)"
	@trap 'kill 0' INT TERM EXIT; \
	 (while true; do $(BIN)/flask reminders dispatch || true; sleep 60; done) & \
	 $(BIN)/flask run --host 127.0.0.1 --port 5000

test: $(STAMP)
	@$(BIN)/python -m tests.legs

e2e: $(STAMP)
	@CLINIC_LEGS=browser $(BIN)/python -m tests.legs

bench: migrate
	@$(BIN)/python -m bench

lint: $(STAMP)
	@$(BIN)/ruff check clinic tests bench
	@$(BIN)/ruff format --check clinic tests bench migrations

# Languages (README "Languages"): the .po files are committed, the .mo files are built (also at app start).
I18N := clinic/translations
i18n-extract: $(STAMP)
	@$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ --no-location --sort-output -o $(I18N)/messages.pot .

i18n-update: i18n-extract
	@$(BIN)/pybabel update -i $(I18N)/messages.pot -d $(I18N) --no-fuzzy-matching

i18n-compile: $(STAMP)
	@$(BIN)/pybabel compile --statistics -d $(I18N)

clean-venv:
	rm -rf $(VENV)
