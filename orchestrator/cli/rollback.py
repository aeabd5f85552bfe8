"""`orchestrator rollback`: ask for a rollback through the app's rollback parameter, then follow it.

The CLI only writes `/<prefix>/apps/<app>/rollback` (the users role's parameter grant) and reads records;
the parameter handler checks and performs the rollback (pipeline/rollback_requests.py).
"""

from __future__ import annotations

import json
import time
import uuid
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

import typer
from rich.text import Text

from orchestrator.cli.lazy import lazy_module
from orchestrator.cli.output import AppOption, JsonOption, console, emit, fail

if TYPE_CHECKING:
    from orchestrator.adapters import operator as operations
    from orchestrator.adapters import parameters as parameter_store
    from orchestrator.adapters import store as stores
    from orchestrator.parameters import names
    from orchestrator.pipeline import releases as release_records
    from orchestrator.pipeline import rollback_requests as requests
else:
    operations = lazy_module("orchestrator.adapters.operator")
    parameter_store = lazy_module("orchestrator.adapters.parameters")
    stores = lazy_module("orchestrator.adapters.store")
    names = lazy_module("orchestrator.parameters.names")
    release_records = lazy_module("orchestrator.pipeline.releases")
    requests = lazy_module("orchestrator.pipeline.rollback_requests")


def rollback(
    version: str | None = typer.Argument(
        None, metavar="[VERSION]", help="Release to return to, e.g. v3 or 3 (default: the newest earlier one that deployed)."
    ),
    app_name: str = AppOption,
    detach: bool = typer.Option(
        False, "--detach", "--no-wait", help="Print the request id and return; `releases` shows how it went."
    ),
    timeout: float = typer.Option(900.0, "--timeout", min=0, help="Give up waiting after this many seconds."),
    interval: float = typer.Option(2.0, "--interval", min=0.1, help="Seconds between reads."),
    as_json: bool = JsonOption,
) -> None:
    """Put an earlier release's task definitions back on every service and scheduled task (no rebuild). The
    request is written to the app's rollback parameter; the orchestrator checks it (a refused rollback
    changes nothing) and performs it, and this command follows it until it is deployed or refused."""
    number = _version(version)
    target = operations.target_of(app_name)
    if target.kind == "pipeline":
        fail(f"{app_name} is a pipeline: roll back one of its review apps (-a {app_name}:<pr>)", 2)
    request = uuid.uuid4().hex[:16]
    value: dict[str, Any] = {"request": request, "version": number}
    operations.write_json_parameter(target, names.ParameterKind.ROLLBACK, value)
    if detach:
        emit({"request": request, "app": app_name, "version": number}, as_json, lambda r: typer.echo(r["request"]))
        return
    from orchestrator.settings import adapter_settings

    parameter = names.kind_name(target, names.ParameterKind.ROLLBACK, adapter_settings().ssm_prefix)
    result = _follow(app_name, request, parameter, timeout, interval, quiet=as_json)
    emit(result, as_json, lambda r: console.print(_summary(r)))
    if result["outcome"] != "deployed":
        fail(f"rollback {result['outcome']}: {result.get('error') or 'see orchestrator releases -a ' + app_name}", 1)


def _follow(app: str, request: str, parameter: str, timeout: float, interval: float, *, quiet: bool) -> dict[str, Any]:
    """Poll the request record, then its release, until it ends; the spinner says where it is."""
    store = stores.Store()
    deadline = time.monotonic() + timeout
    spinner: AbstractContextManager[Any] = (
        nullcontext() if quiet else console.status(Text(f"rollback {request}: waiting for the orchestrator…"))
    )
    with spinner as status:
        while True:
            record = requests.get_request(store, app, request)
            result = _state(store, app, request, record, parameter)
            if result["outcome"] != "pending" or time.monotonic() >= deadline:
                if result["outcome"] == "pending":
                    result = {**result, "outcome": "still running",
                              "error": f"not ended after {timeout:g}s (request {request})"}  # fmt: skip
                return result
            if status is not None:
                status.update(Text(_progress(result)))
            time.sleep(interval)


def _state(store: Any, app: str, request: str, record: Any, parameter: str) -> dict[str, Any]:
    base: dict[str, Any] = {"app": app, "request": request}
    if record is None:
        found = parameter_store.Parameters().get(parameter)
        current = _request_of(found.value if found else None)
        if current != request:  # overwritten before the orchestrator read it: that one is handled instead
            return {**base, "outcome": "superseded", "error": f"another rollback request ({current}) replaced it"}
        return {**base, "outcome": "pending", "stage": "waiting for the orchestrator"}
    if record.status == "refused":
        return {**base, "outcome": "refused", "error": record.error}
    base.update(version=record.version, release=record.release, caller=record.caller)
    release = release_records.get_release(store, app, record.release) if record.release else None
    if release is None:
        return {**base, "outcome": "pending", "stage": f"rolling back to v{record.version}"}
    base["services"] = {p: s.state for p, s in release.services.items()}
    if release.status == "deploying":
        return {**base, "outcome": "pending", "stage": f"v{release.version}: rolling back to v{record.version}"}
    return {**base, "outcome": release.status, "error": release.error}


def _request_of(value: str | None) -> str | None:
    try:
        found = json.loads(value) if value else None
    except json.JSONDecodeError:
        return None
    return str(found.get("request")) if isinstance(found, dict) else None


def _progress(result: dict[str, Any]) -> str:
    services = ", ".join(f"{p} {s}" for p, s in sorted((result.get("services") or {}).items()))
    return f"rollback {result['request']}: {result.get('stage', '')}" + (f" ({services})" if services else "")


def _summary(result: dict[str, Any]) -> Text:
    if result["outcome"] == "deployed":
        return Text(f"v{result['release']}: rolled back to v{result['version']}, deployed", style="green")
    return Text(f"rollback {result['request']}: {result['outcome']}", style="red")


def _version(text: str | None) -> int | None:
    if text is None:
        return None
    digits = text.removeprefix("v")
    if not digits.isdigit() or int(digits) < 1:
        fail(f"{text!r} is not a release version (v3 or 3)", 2)
    return int(digits)
