# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install lint typecheck bench totp clean prod-smoke load faults

$(STAMP): requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# Install, migrate, load the demo practice, then serve web + worker + beat on 127.0.0.1:8000.
# E-mail is written to files in var/mail/, never printed (the script says where).
run: $(STAMP)
	bin/run-embedded

# The whole suite. Browser tests need Debian's chromium (apt-get install chromium). It runs on
# TEST_PROCESSES processes (pytest-xdist; a test file stays on one); TEST_PROCESSES=0 runs it in
# this one (for pdb or -s).
TEST_PROCESSES ?= 2
test: $(STAMP)
	$(PY) -m pytest -n $(TEST_PROCESSES) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy .

bench: $(STAMP)
	@$(PY) -m benchmarks $(BENCH_ARGS)

# The production run of the README (deploy/): its smoke test (CI runs it), the load test and the fault drills.
prod-smoke: $(STAMP)
	$(PY) -m deploy.smoke $(SMOKE_ARGS)

load: $(STAMP)
	@$(PY) -m deploy.load $(LOAD_ARGS)

faults: $(STAMP)
	$(PY) -m deploy.faults $(FAULTS_ARGS)

# Print the current authenticator code of a demo account: make totp EMAIL=maya.coach@practice.example
totp: $(STAMP)
	@$(PY) manage.py demo_totp $(EMAIL)

clean:
	rm -rf var
