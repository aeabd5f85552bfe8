"""Call a deployed app: route the path, invoke the function synchronously, interpret the answer,
each as a Mattermost server does (orchestrator/bundles/routing.py; only a 200 is a success).

Only published versions are callable: the manifest (written last by a deploy) says which functions
exist, and every call goes to the function's `live` alias.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import ValidationError

from orchestrator.adapters.bundle_storage import BundleStorage
from orchestrator.adapters.lambda_functions import InvokeResult
from orchestrator.bounded_json import JsonBoundsError, load_json
from orchestrator.bundles import naming
from orchestrator.bundles.manifest import Manifest
from orchestrator.bundles.routing import CallPathError, clean_call_path, route


class Invoker(Protocol):
    def invoke(self, name: str, payload: dict[str, Any], qualifier: str | None = None) -> InvokeResult: ...


class CallError(RuntimeError):
    """The call did not succeed: not routable, a function error, or a non-2xx response."""

    def __init__(self, message: str, result: CallResult | None = None) -> None:
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class CallResult:
    app_id: str
    version: str
    path: str
    function: str
    lambda_name: str
    status_code: int
    headers: dict[str, Any] = field(default_factory=dict)
    body: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "app_id": self.app_id,
            "version": self.version,
            "path": self.path,
            "function": self.function,
            "lambda_name": self.lambda_name,
            "status_code": self.status_code,
            "headers": self.headers,
            "body": self.body,
        }


def proxy_event(path: str, data: Any, *, method: str = "POST", stage: str = "default") -> dict[str, Any]:
    """An API Gateway REST (proxy integration) event, the shape Mattermost's AWS upstream sends."""
    body = None if data is None else json.dumps(data)
    now = datetime.now(UTC)
    headers = {"Content-Type": "application/json"}
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "path": f"/{stage}{path}",
            "stage": stage,
            "requestId": str(uuid.uuid4()),
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "protocol": "HTTP/1.1",
            "identity": {"sourceIp": "127.0.0.1", "userAgent": "orchestrator-cli"},
        },
        "body": body,
        "isBase64Encoded": False,
    }


def _decode_body(body: Any) -> Any:
    if isinstance(body, str):
        try:
            return load_json(body, what="response body")
        except JsonBoundsError:
            return body  # not JSON (or out of bounds): shown as the text it is
    return body


def _error_message(payload: Any) -> str:
    if isinstance(payload, dict):
        message = payload.get("errorMessage") or payload.get("message") or payload.get("error")
        kind = payload.get("errorType")
        if message:
            return f"{kind}: {message}" if kind else str(message)
    return json.dumps(payload) if not isinstance(payload, str) else payload


def call(
    app_id: str,
    version: str,
    path: str,
    data: Any,
    *,
    invoker: Invoker,
    storage: BundleStorage | None = None,
) -> CallResult:
    storage = storage or BundleStorage()
    try:
        path = clean_call_path(path)  # the server cleans it before routing, and sends the cleaned path
    except CallPathError as error:
        raise CallError(str(error)) from error
    raw = storage.read_json(naming.manifest_key(app_id, version))
    if raw is None:
        raise CallError(f"{app_id} {version} is not published (no {naming.manifest_key(app_id, version)})")
    try:
        manifest = Manifest.model_validate(raw)
    except ValidationError as error:
        raise CallError(f"published manifest of {app_id} {version} is invalid: {error.error_count()} errors") from error
    function = route(manifest.functions, path)
    if function is None:
        paths = ", ".join(f.path for f in manifest.functions)
        raise CallError(f"no function of {app_id} {version} serves {path} (paths: {paths})")
    name = naming.lambda_name(app_id, version, function.name)
    response = invoker.invoke(name, proxy_event(path, data), qualifier=naming.LIVE_ALIAS)

    def result(status: int, headers: dict[str, Any], body: Any) -> CallResult:
        return CallResult(app_id, version, path, function.name, name, status, headers, body)

    if response.function_error:
        raise CallError(f"{name} failed: {_error_message(response.payload)}", result(500, {}, response.payload))
    payload = response.payload
    if isinstance(payload, dict) and "statusCode" in payload:
        status = int(payload["statusCode"])
        outcome = result(status, dict(payload.get("headers") or {}), _decode_body(payload.get("body")))
    else:  # a bare value is a 200 with that body, as API Gateway's proxy integration treats it
        outcome = result(200, {}, payload)
    if outcome.status_code != 200:  # a Mattermost server treats any other status as the function failing
        raise CallError(f"{name} answered {outcome.status_code}: {_error_message(outcome.body)}", outcome)
    return outcome
