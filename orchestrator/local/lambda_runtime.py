"""Run python-runtime Lambda functions from their zips, for `bundle call` against the local emulator.

moto's Lambda stores functions but needs Docker to invoke them. This invoker does what the Lambda python
runtime does, in a subprocess: the function's zip is extracted into a fresh task root, the handler is
imported from it and called with the event (sent on stdin) and a context object, and the JSON result
comes back. The subprocess gets a clean environment: the function's own variables plus the ones Lambda
sets (AWS_LAMBDA_FUNCTION_NAME, _HANDLER, LAMBDA_TASK_ROOT, ...). An exception becomes a Lambda function
error, `{errorMessage, errorType, stackTrace}`; so do import errors, timeouts and unserialisable results.

Configuration (handler, runtime, environment, timeout) is read from moto at the alias, like Lambda does.
moto cannot hand the code back (its Code.Location is not downloadable), so the code comes from the bundle
that the app version's record says was published, and is checked against moto's CodeSha256.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from orchestrator.adapters.bundle_storage import BundleStorage
from orchestrator.adapters.lambda_functions import FunctionState, InvokeResult, LambdaFunctions
from orchestrator.adapters.store import Store
from orchestrator.bundles.plan import OWNER_TAG
from orchestrator.bundles.records import VersionRecord, app_pk, version_sk
from orchestrator.bundles.validation import (
    MAX_BUNDLE_BYTES,
    MAX_FUNCTION_UNZIPPED_BYTES,
    ValidationReport,
    check_archive,
    load_bundle,
    read_capped,
)
from orchestrator.settings import get_settings

CodeSource = Callable[[FunctionState], bytes]


class LocalRuntimeError(RuntimeError):
    """The function cannot be run locally (unsupported runtime, code not found)."""


_BOOTSTRAP = r"""
import importlib, json, os, sys, time, traceback

task_root, handler_name, result_path, deadline = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
sys.path.insert(0, task_root)


class Context:
    function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
    function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
    invoked_function_arn = os.environ.get("ORCHESTRATOR_LOCAL_FUNCTION_ARN", "")
    memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
    aws_request_id = os.environ.get("ORCHESTRATOR_LOCAL_REQUEST_ID", "")
    log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
    log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
    identity = None
    client_context = None

    def get_remaining_time_in_millis(self):
        return max(0, int((deadline - time.time()) * 1000))


def error(kind, message, tb=None):
    trace = traceback.format_list(traceback.extract_tb(tb)) if tb is not None else []
    return {"errorMessage": message, "errorType": kind, "requestId": Context.aws_request_id, "stackTrace": trace}


def run():
    module_name, _, function_name = handler_name.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        return False, error("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}")
    handler = getattr(module, function_name, None)
    if not callable(handler):
        return False, error("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'")
    event = json.loads(sys.stdin.read() or "null")
    try:
        result = handler(event, Context())
    except Exception as exc:
        return False, error(type(exc).__name__, str(exc), exc.__traceback__)
    try:
        json.dumps(result)
    except (TypeError, ValueError) as exc:
        return False, error("Runtime.MarshalError", f"Unable to marshal response: {exc}")
    return True, result


ok, value = run()
with open(result_path, "w") as out:
    json.dump({"ok": ok, "value": value}, out)
"""


def _sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def code_from_published_bundle(store: Store | None = None, storage: BundleStorage | None = None) -> CodeSource:
    """Find a function's code in the bundle its app version's record says was published."""
    store = store or Store()
    storage = storage or BundleStorage()

    def source(state: FunctionState) -> bytes:
        owner = state.tags.get(OWNER_TAG, "")
        app_id, _, version = owner.partition("/")
        item = store.get(app_pk(app_id), version_sk(version)) if app_id and version else None
        record = VersionRecord.model_validate(item) if item else None
        if record is None or record.published is None or record.published.bundle is None:
            raise LocalRuntimeError(f"{state.name}: no published bundle recorded for {owner or 'this function'}")
        location = record.published.bundle
        data = storage.read(location.key, location.version_id, max_bytes=MAX_BUNDLE_BYTES)
        if data is None:
            raise LocalRuntimeError(f"{state.name}: bundle s3://{location.bucket}/{location.key} is gone")
        bundle = load_bundle(data, location.key)
        for package in bundle.functions.values():
            if package.sha256 == state.code_sha256:
                return package.data
        raise LocalRuntimeError(f"{state.name}: code {state.code_sha256} is not in {location.key}")

    return source


def _extract(code: bytes, into: Path, name: str) -> None:
    report = ValidationReport(source=name)
    with zipfile.ZipFile(io.BytesIO(code)) as archive:
        if not check_archive(report, name, archive, max_total=MAX_FUNCTION_UNZIPPED_BYTES):
            raise LocalRuntimeError("; ".join(str(p) for p in report.problems))
        for info in archive.infolist():
            target = into / info.filename.replace("\\", "/")
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(read_capped(archive, info, MAX_FUNCTION_UNZIPPED_BYTES))


def _environment(state: FunctionState, task_root: Path, request_id: str) -> dict[str, str]:
    settings = get_settings()
    env = {
        **state.environment,
        "AWS_LAMBDA_FUNCTION_NAME": state.name,
        "AWS_LAMBDA_FUNCTION_VERSION": state.version,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(state.memory),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{state.name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": f"local/{request_id}",
        "AWS_REGION": settings.region,
        "AWS_DEFAULT_REGION": settings.region,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{state.runtime}",
        "LAMBDA_TASK_ROOT": str(task_root),
        "LAMBDA_RUNTIME_DIR": str(Path(sys.executable).parent),
        "_HANDLER": state.handler,
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "ORCHESTRATOR_LOCAL_FUNCTION_ARN": state.arn,
        "ORCHESTRATOR_LOCAL_REQUEST_ID": request_id,
    }
    if settings.endpoint_url:
        # Lambda hands a function its role's credentials; in the emulator that is moto's, at its endpoint.
        env.update(
            {
                "AWS_ENDPOINT_URL": settings.endpoint_url,
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_SESSION_TOKEN": "testing",
            }
        )
    return env


class LocalLambdaRuntime:
    """An `Invoker` for the emulator: same interface as LambdaFunctions.invoke."""

    def __init__(self, lambdas: LambdaFunctions | None = None, code_source: CodeSource | None = None) -> None:
        self._lambdas = lambdas or LambdaFunctions()
        self._code_source = code_source or code_from_published_bundle()

    def invoke(self, name: str, payload: dict[str, Any], qualifier: str | None = None) -> InvokeResult:
        state = self._lambdas.get(name, qualifier)
        if state is None:
            raise LocalRuntimeError(f"function {name}{':' + qualifier if qualifier else ''} does not exist")
        if not state.runtime.startswith("python"):
            raise LocalRuntimeError(f"{name}: the local runtime runs python functions only, not {state.runtime}")
        code = self._code_source(state)
        if _sha256_b64(code) != state.code_sha256:
            raise LocalRuntimeError(f"{name}: the code found locally does not match CodeSha256 {state.code_sha256}")
        return run_python_function(state, code, payload)


def run_python_function(state: FunctionState, code: bytes, payload: Any) -> InvokeResult:
    """Run one invocation of `state`'s handler from `code` in a subprocess."""
    import time
    import uuid

    request_id = str(uuid.uuid4())
    with tempfile.TemporaryDirectory(prefix=f"lambda-{state.name}-") as tmp:
        task_root = Path(tmp) / "task"
        task_root.mkdir()
        _extract(code, task_root, state.name)
        result_path = Path(tmp) / "result.json"
        deadline = time.time() + state.timeout
        try:
            completed = subprocess.run(
                [
                    sys.executable,
                    "-I",
                    "-c",
                    _BOOTSTRAP,
                    str(task_root),
                    state.handler,
                    str(result_path),
                    str(deadline),
                ],
                input=json.dumps(payload),
                capture_output=True,
                text=True,
                cwd=task_root,
                env=_environment(state, task_root, request_id),
                timeout=state.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as expired:
            partial = expired.stdout or b""
            partial_text = partial.decode("utf-8", "replace") if isinstance(partial, bytes) else partial
            return InvokeResult(
                status_code=200,
                payload={
                    "errorMessage": f"{request_id} Task timed out after {state.timeout:.2f} seconds",
                    "errorType": "Sandbox.Timedout",
                },
                function_error="Unhandled",
                log_tail=partial_text[-4096:],
            )
        logs: str = (completed.stdout + completed.stderr)[-4096:]
        if not result_path.exists():
            return InvokeResult(
                status_code=200,
                payload={
                    "errorMessage": f"RequestId: {request_id} Error: Runtime exited with exit status {completed.returncode}",
                    "errorType": "Runtime.ExitError",
                },
                function_error="Unhandled",
                log_tail=logs,
            )
        outcome = json.loads(result_path.read_text())
    if outcome["ok"]:
        return InvokeResult(status_code=200, payload=outcome["value"], log_tail=logs)
    return InvokeResult(status_code=200, payload=outcome["value"], function_error="Unhandled", log_tail=logs)


def local_invoker_if_emulated() -> LocalLambdaRuntime | None:
    """The local runtime when the settings point at the emulator, else None (use Lambda's Invoke)."""
    return LocalLambdaRuntime() if get_settings().endpoint_url else None


__all__ = ["LocalLambdaRuntime", "LocalRuntimeError", "code_from_published_bundle", "local_invoker_if_emulated",
           "run_python_function"]  # fmt: skip
