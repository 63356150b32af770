# Two commands matter: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	$$p -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null && command -v $$p && break; done)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
export FLASK_APP := clinic

.PHONY: run test e2e bench lint migrate seed clean-venv

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed on the PATH"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing the clinic app and its development tools into $(VENV) ..."
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
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

clean-venv:
	rm -rf $(VENV)
