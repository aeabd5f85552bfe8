# The venv is rebuilt whenever pyproject.toml changes; everything else runs inside it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# `make demo` needs only the emulator (the `local` extra): not the CDK library (237 MB), linters or stubs.
# Bytecode is compiled at install (uv does not by default): otherwise the first demo compiles moto, and
# every CLI process compiles typer where PYTHONDONTWRITEBYTECODE is set.
DEMO_STAMP := $(VENV)/.installed-local
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
# Node 20 is past its end of life for jsii (the value lists the majors to silence); the machines here
# have it, and synthesis works on it.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export POWERTOOLS_TRACE_DISABLED := 1
export POWERTOOLS_METRICS_NAMESPACE := orchestrator

# checkov pins boto3 to one old release: it runs from its own cached environment (uvx), never in .venv.
CHECKOV_VERSION := 3.3.30
CHECKOV := $(BIN)/uvx --quiet --from checkov==$(CHECKOV_VERSION) checkov

.PHONY: venv test lint lint-templates typecheck unit demo synth bench faults clean dashboard dashboard-unit chromium

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/uv || { $(PYTHON) -m venv $(VENV) && $(BIN)/python -m pip install -q uv; }
	$(BIN)/uv pip install -q --compile-bytecode --python $(BIN)/python -e '.[dev]'
	touch $(STAMP) $(DEMO_STAMP)

$(DEMO_STAMP): pyproject.toml
	test -x $(BIN)/uv || { $(PYTHON) -m venv $(VENV) && $(BIN)/python -m pip install -q uv; }
	$(BIN)/uv pip install -q --compile-bytecode --python $(BIN)/python -e '.[local]'
	touch $(DEMO_STAMP)

lint: venv
	$(BIN)/ruff check .
	$(MAKE) --no-print-directory lint-templates

# cfn-lint and checkov over the synthesized templates; every kept finding is in infra/template-lint-baseline.yaml.
lint-templates: synth
	$(BIN)/python -m infra.template_lint cdk.out --cfn-lint $(BIN)/cfn-lint --checkov "$(CHECKOV)"

typecheck: venv
	$(BIN)/mypy --strict orchestrator

# One pytest worker per core; a module (or a suite that shares a session fixture) stays on one worker.
PYTEST_WORKERS ?= auto

test: lint typecheck dashboard dashboard-unit chromium
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup --durations=15

# The web dashboard (dashboard/): npm ci when the lock file changes, vite build when a source changes.
DASHBOARD_SOURCES := $(wildcard dashboard/src/*.ts dashboard/src/*/*.ts dashboard/src/*.css) dashboard/index.html \
	dashboard/vite.config.ts dashboard/tsconfig.json
dashboard: dashboard/dist/index.html

dashboard/node_modules/.installed: dashboard/package-lock.json
	cd dashboard && npm ci --no-audit --no-fund
	touch $@

dashboard/dist/index.html: dashboard/node_modules/.installed $(DASHBOARD_SOURCES)
	cd dashboard && npm run build

dashboard-unit: dashboard/node_modules/.installed
	cd dashboard && npx vitest run

# The browser tests drive Debian's chromium (never a downloaded browser); installed here when missing.
chromium:
	test -x /usr/bin/chromium || { apt-get update -qq && apt-get install -y -qq chromium; }

# A venv built by `make test` (.[dev]) already holds `local`; only a stale or missing one installs it.
demo: $(DEMO_STAMP) dashboard
	$(BIN)/orchestrator demo
	@echo "dashboard: eval \"\$$($(BIN)/orchestrator local up)\" && $(BIN)/orchestrator local register demo && $(BIN)/orchestrator dashboard  ->  http://127.0.0.1:8765/"

# cdk.json turns the dashboard's stack on, which deploys the built site.
synth: venv dashboard
	$(BIN)/python -c "import shutil; shutil.rmtree('cdk.out', ignore_errors=True)"
	$(BIN)/python app.py

# More fault schedules than `make test` draws, randomly: every shipped scenario under injected AWS faults.
faults: venv
	ORCHESTRATOR_FAULT_EXAMPLES=10 ORCHESTRATOR_FAULT_RANDOM=1 $(BIN)/pytest tests/e2e/test_fault_properties.py

bench: venv
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) cdk.out .mypy_cache .pytest_cache .ruff_cache
