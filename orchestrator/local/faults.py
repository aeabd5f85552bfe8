"""Fault injection at the botocore HTTP-attempt level, for the emulator and the tests.

Every HTTP attempt a handler makes through the adapters' clients passes through `FaultInjector`, which
decides, from a seeded random source and the plan, what AWS does with it:

- `throttle` / `server_error`: the attempt fails before AWS executes it (a 400 ThrottlingException, a 500);
- `lost_response`: AWS executes the request, and the response is lost (a read timeout);
- an `Outage`: one API fails on every attempt for a while, outlasting the SDK's retries.

botocore's own retry mode sees these exactly as it sees real ones (retries, then the error reaches the
code). Its back-off delays are zero, so a run under faults takes about the time of a run without. Faults apply
only while a handler runs (`in_handler`, set by the emulator's dispatcher): the simulated AWS services and
the dispatcher's own queue polling are never faulted. The injector keeps a ledger of the requests that
AWS executed, so a test can show that each side effect was made once.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Literal

from botocore.awsrequest import AWSPreparedRequest, AWSResponse, HTTPHeaders
from botocore.exceptions import ReadTimeoutError
from botocore.httpsession import URLLib3Session

from orchestrator.adapters import clients

FaultKind = Literal["throttle", "server_error", "lost_response", "refused"]
_in_handler: ContextVar[bool] = ContextVar("orchestrator_in_handler", default=False)


@contextmanager
def in_handler() -> Iterator[None]:
    """Mark the calls made inside this block as a handler's (the only calls faults apply to)."""
    token = _in_handler.set(True)
    try:
        yield
    finally:
        _in_handler.reset(token)


@dataclass(frozen=True)
class Outage:
    """`operation` of `service` fails with `kind` on `attempts` consecutive HTTP attempts, starting at its
    `after`-th attempt (0: the first). Six attempts outlast the SDK's (the first and five retries)."""

    service: str
    operation: str
    kind: FaultKind = "throttle"
    attempts: int = 6
    after: int = 0
    code: str = "AccessDeniedException"  # for `refused`


@dataclass(frozen=True)
class FaultPlan:
    seed: int = 0
    throttle_rate: float = 0.0
    server_error_rate: float = 0.0
    lost_response_rate: float = 0.0
    outages: tuple[Outage, ...] = ()
    only_in_handlers: bool = True

    def describe(self) -> str:
        parts = [f"seed {self.seed}"]
        for name in ("throttle_rate", "server_error_rate", "lost_response_rate"):
            if getattr(self, name):
                parts.append(f"{name} {getattr(self, name):.2f}")
        parts += [f"outage {o.service}.{o.operation} {o.kind} x{o.attempts} after {o.after}" for o in self.outages]
        return ", ".join(parts)


@dataclass(frozen=True)
class Executed:
    """A request AWS executed: service, operation and its parameters (as sent)."""

    service: str
    operation: str
    params: dict[str, Any]


class _NoBackoff:
    """botocore's back-off with no delay: the endpoint sleeps what the retry policy computes."""

    def delay_amount(self, _context: Any) -> float:
        return 0.0


class _RawBody:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def _error_response(url: str, protocol: str, status: int, code: str, message: str) -> AWSResponse:
    if protocol in ("json", "rest-json"):
        body = json.dumps({"__type": code, "message": message}).encode()
        headers = {"x-amzn-errortype": code, "content-type": "application/x-amz-json-1.1"}
    else:  # query, ec2, rest-xml
        body = f"<ErrorResponse><Error><Code>{code}</Code><Message>{message}</Message></Error></ErrorResponse>".encode()
        headers = {"content-type": "text/xml"}
    http_headers = HTTPHeaders()
    for name, value in headers.items():
        http_headers[name] = value
    return AWSResponse(url, status, http_headers, _RawBody(body))


@dataclass
class FaultInjector:
    plan: FaultPlan
    executed: list[Executed] = field(default_factory=list)
    injected: Counter[str] = field(default_factory=Counter)
    _attempts: Counter[tuple[str, str]] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._random = random.Random(self.plan.seed)
        self._http = URLLib3Session()

    # --- installation -------------------------------------------------------------------------------

    def __enter__(self) -> FaultInjector:
        clients.add_client_installer(self.install)
        return self

    def __exit__(self, *_: Any) -> None:
        if self.install in clients.installed():
            clients.remove_client_installer(self.install)

    def install(self, client: Any) -> None:
        """Put the injector in front of the client's HTTP sends (and moto's in-process stub, when active),
        and make the SDK's retry back-off instant."""
        from moto.core.models import botocore_stubber

        protocol = client.meta.service_model.protocol
        events = client.meta.events
        events.unregister("before-send", botocore_stubber)

        def send(request: AWSPreparedRequest, event_name: str, **_: Any) -> AWSResponse:
            return self._send(request, event_name, protocol, botocore_stubber)

        events.register_first("before-send", send)
        for entry in events._emitter._unique_id_handlers.values():
            retry_handler: Any = getattr(entry.get("handler"), "__self__", None)
            policy = getattr(retry_handler, "_retry_policy", None)
            if policy is not None and hasattr(policy, "_retry_backoff"):
                policy._retry_backoff = _NoBackoff()

    # --- one HTTP attempt ---------------------------------------------------------------------------

    def decide(self, service: str, operation: str) -> tuple[FaultKind, str] | None:
        """The fault for this attempt of (service, operation), and its error code; None: no fault."""
        attempt = self._attempts[(service, operation)]
        self._attempts[(service, operation)] += 1
        for outage in self.plan.outages:
            matches = outage.service in (service, "*") and outage.operation in (operation, "*")
            if matches and outage.after <= attempt < outage.after + outage.attempts:
                return outage.kind, outage.code if outage.kind == "refused" else ""
        draw = self._random.random()
        plan = self.plan
        if draw < plan.throttle_rate:
            return "throttle", ""
        if draw < plan.throttle_rate + plan.server_error_rate:
            return "server_error", ""
        if draw < plan.throttle_rate + plan.server_error_rate + plan.lost_response_rate:
            return "lost_response", ""
        return None

    def _send(self, request: AWSPreparedRequest, event_name: str, protocol: str, stub: Any) -> AWSResponse:
        _, service, operation = [*event_name.split(".", 2), "", ""][:3]
        fault = None
        if _in_handler.get() or not self.plan.only_in_handlers:
            fault = self.decide(service, operation)
        if fault is not None:
            self.injected[fault[0]] += 1
        kind, code = fault or (None, "")
        if kind == "throttle":
            return _error_response(request.url, protocol, 400, "ThrottlingException", "Rate exceeded (injected)")
        if kind == "server_error":
            return _error_response(request.url, protocol, 500, "InternalFailure", "injected server error")
        if kind == "refused":
            return _error_response(request.url, protocol, 400, code, "refused (injected)")
        response = stub(event_name=event_name, request=request) or self._http.send(request)
        if 200 <= response.status_code < 300:
            self.executed.append(Executed(service, operation, _params(request)))
        if kind == "lost_response":
            raise ReadTimeoutError(endpoint_url=request.url)
        return response

    # --- the ledger ---------------------------------------------------------------------------------

    def calls(self, service: str, operation: str) -> list[dict[str, Any]]:
        return [e.params for e in self.executed if (e.service, e.operation) == (service, operation)]


def _params(request: AWSPreparedRequest) -> dict[str, Any]:
    body = request.body
    if isinstance(body, bytes | bytearray):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str) and body.startswith("{"):
        try:
            parsed = json.loads(body)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}
