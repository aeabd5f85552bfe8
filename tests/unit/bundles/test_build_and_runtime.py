"""Reproducible bundle builds, and the local python runtime (a real subprocess per invocation)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from orchestrator.adapters.lambda_functions import FunctionState
from orchestrator.bundles.build import build_bundle
from orchestrator.bundles.calls import proxy_event
from orchestrator.local.lambda_runtime import run_python_function
from tests.unit.bundles.zips import SAMPLE, function_zip, python_function


def state(handler: str = "app.handler", timeout: int = 10, env: dict[str, str] | None = None) -> FunctionState:
    return FunctionState(
        name="t_1_main", arn="arn:aws:lambda:us-east-1:123456789012:function:t_1_main:live", version="1",
        handler=handler, runtime="python3.12", role="r", code_sha256="", environment=env or {"ONLY_MINE": "yes"},
        timeout=timeout, memory=128, state="Active", last_update_status="Successful",
    )  # fmt: skip


def test_builds_are_byte_for_byte_reproducible() -> None:
    assert build_bundle(SAMPLE) == build_bundle(SAMPLE)


def test_a_handler_runs_with_the_event_and_a_clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARENT_SECRET", "must-not-leak")
    result = run_python_function(state(), python_function(), proxy_event("/x", {"a": 1}))
    assert result.function_error is None
    body: dict[str, Any] = json.loads(result.payload["body"])
    assert body["function"] == "main"
    assert body["path"] == "/x"
    assert "ONLY_MINE" in body["env"]
    assert "AWS_LAMBDA_FUNCTION_NAME" in body["env"]
    assert "PARENT_SECRET" not in body["env"]
    assert "HOME" not in body["env"]


def test_an_exception_becomes_a_lambda_function_error() -> None:
    result = run_python_function(state(), python_function(), proxy_event("/boom", None))
    assert result.function_error == "Unhandled"
    assert result.payload["errorType"] == "ValueError"
    assert result.payload["errorMessage"] == "kaboom /boom"
    assert any("app.py" in line for line in result.payload["stackTrace"])


def test_import_and_handler_errors_have_lambdas_error_types() -> None:
    missing_module = run_python_function(state("nowhere.handler"), python_function(), {})
    assert missing_module.payload["errorType"] == "Runtime.ImportModuleError"
    missing_handler = run_python_function(state("app.nothing"), python_function(), {})
    assert missing_handler.payload["errorType"] == "Runtime.HandlerNotFound"


def test_unserialisable_results_and_timeouts() -> None:
    code = function_zip(
        {"app.py": "import time\ndef handler(e, c):\n    return {1, 2}\ndef slow(e, c):\n    time.sleep(30)\n"}
    )
    marshal = run_python_function(state(), code, {})
    assert marshal.payload["errorType"] == "Runtime.MarshalError"
    timed_out = run_python_function(state("app.slow", timeout=1), code, {})
    assert timed_out.function_error == "Unhandled"
    assert timed_out.payload["errorType"] == "Sandbox.Timedout"


def test_print_output_does_not_corrupt_the_result() -> None:
    code = function_zip({"app.py": "def handler(e, c):\n    print('{not json')\n    return {'ok': c.function_name}\n"})
    result = run_python_function(state(), code, {})
    assert result.payload == {"ok": "t_1_main"}
    assert "{not json" in result.log_tail
