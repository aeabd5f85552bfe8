"""One in-process moto account with the orchestrator's resources, a call meter, and handler invocation.

The meter is installed with `orchestrator.adapters.clients.add_call_hook` (botocore `before-call` on every
adapter client) and counts only inside `meter.counting()`, so setup calls made by the harness itself never
appear in a figure. An `after-call` hook on the DynamoDB clients adds up how many items each read touched,
which is how the scale figure sees a Query that grows with history.
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, TextIO

from moto import mock_aws

from orchestrator.adapters import clients
from orchestrator.adapters.clients import client
from orchestrator.adapters.store import serialize
from orchestrator.handlers.common import reset_idempotency
from orchestrator.local.resources import create_core_resources
from orchestrator.observability import logger
from orchestrator.pipeline.app_registry import AppDeclaration, AppKind, EcsConfig, app_items
from orchestrator.settings import Settings, get_settings, reset_settings

ACCOUNT = "123456789012"
IDEMPOTENCY = "idempotency"  # purpose of the calls Powertools idempotency makes
LOGIC = "logic"
CallKey = tuple[str, str, str]  # (service, operation, purpose)


def _dynamodb_key(params: dict[str, Any]) -> tuple[str, str]:
    """(primary_id, secondary_id) that a DynamoDB request names, from its JSON body ('' when none)."""
    body = params.get("body")
    if isinstance(body, bytes | str) and body:
        try:
            payload = json.loads(body)
        except ValueError:
            return "", ""
    elif isinstance(body, dict):
        payload = body
    else:
        return "", ""
    item = payload.get("Key") or payload.get("Item") or {}
    if not isinstance(item, dict):
        return "", ""
    pk, sk = item.get("primary_id", {}), item.get("secondary_id", {})
    return (
        str(pk.get("S", "")) if isinstance(pk, dict) else "",
        str(sk.get("S", "")) if isinstance(sk, dict) else "",
    )


def item_kind(pk: str, sk: str) -> str:
    """What a DynamoDB item of the orchestrator's table is, from its key (for the per-kind breakdown)."""
    if pk.startswith("idempotency#"):
        return "idempotency record"
    if sk.startswith("CLAIM#"):
        return "claim"
    if pk.split("#")[0] in {"CODEBUILD", "TASK", "DEPLOYMENT"}:
        return f"{pk.split('#')[0]}# lookup"
    if sk.startswith("BUILD#"):
        return "build record"
    return sk.split("#")[0] if sk else "(query)"


def classify(service: str, operation: str, params: dict[str, Any]) -> str:
    """Powertools idempotency records live in the same table under `idempotency#<function>`."""
    if service == "dynamodb" and _dynamodb_key(params)[0].startswith("idempotency#"):
        return IDEMPOTENCY
    return LOGIC


@dataclass
class CallMeter:
    """AWS API calls by (service, operation, purpose), and DynamoDB items read, while counting."""

    calls: Counter[CallKey] = field(default_factory=Counter)
    dynamodb_items: Counter[tuple[str, str]] = field(default_factory=Counter)  # (operation, item kind)
    items_read: int = 0
    scans: int = 0
    active: bool = False

    def __call__(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        if not self.active:
            return
        service, operation = model.service_model.service_name, model.name
        self.calls[(service, operation, classify(service, operation, params))] += 1
        if service == "dynamodb":
            self.dynamodb_items[(operation, item_kind(*_dynamodb_key(params)))] += 1
        if operation == "Scan":
            self.scans += 1

    def after_call(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if not self.active:
            return
        if model.name in {"Query", "Scan"}:
            self.items_read += int(parsed.get("ScannedCount", parsed.get("Count", 0)))
        elif model.name == "GetItem" and "Item" in parsed:
            self.items_read += 1
        elif model.name == "BatchGetItem":
            self.items_read += sum(len(items) for items in parsed.get("Responses", {}).values())

    def reset(self) -> None:
        self.calls.clear()
        self.dynamodb_items.clear()
        self.items_read = 0
        self.scans = 0

    @contextmanager
    def counting(self) -> Iterator[CallMeter]:
        self.active = True
        try:
            yield self
        finally:
            self.active = False

    def add(self, other: CallMeter) -> None:
        self.calls.update(other.calls)
        self.dynamodb_items.update(other.dynamodb_items)
        self.items_read += other.items_read
        self.scans += other.scans

    def snapshot(self) -> CallMeter:
        copy = CallMeter()
        copy.add(self)
        return copy

    def by_item_kind(self) -> dict[str, int]:
        """`Operation item-kind` → count, for DynamoDB calls."""
        return dict(sorted((f"{op} {kind}", n) for (op, kind), n in self.dynamodb_items.items()))

    def total(self) -> int:
        return sum(self.calls.values())

    def by_operation(self) -> dict[str, int]:
        """`service:Operation[ (idempotency)]` → count, sorted, for JSON."""
        named = {
            f"{service}:{operation}" + (f" ({purpose})" if purpose != LOGIC else ""): count
            for (service, operation, purpose), count in self.calls.items()
        }
        return dict(sorted(named.items()))

    def attach_after_call(self) -> None:
        """Register the item counter on the (cached) DynamoDB clients the adapters use."""
        client("dynamodb").meta.events.register("after-call.dynamodb", self.after_call)


@dataclass
class BenchContext:
    """The Lambda context object the runtime passes (what Logger.inject_lambda_context reads)."""

    function_name: str = "orchestrator-bench"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:orchestrator-bench"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


@dataclass
class World:
    settings: Settings
    meter: CallMeter
    sink: TextIO
    context: BenchContext = field(default_factory=BenchContext)
    state: dict[str, Any] = field(default_factory=dict)  # what a case's setup keeps for its prepare

    def invoke(self, handler_path: str, event: dict[str, Any]) -> Any:
        """Call a handler the way Lambda does, with its stdout (logs, EMF metrics) going to /dev/null."""
        with redirect_stdout(self.sink):
            return load_handler(handler_path)(event, self.context)

    def count(self, handler_path: str, event: dict[str, Any]) -> tuple[Any, CallMeter]:
        """Invoke once and return the calls it made (a fresh meter snapshot)."""
        self.meter.reset()
        with self.meter.counting():
            response = self.invoke(handler_path, event)
        snapshot = self.meter.snapshot()
        self.meter.reset()
        return response, snapshot


def load_handler(handler_path: str) -> Any:
    module, _, attribute = handler_path.rpartition(".")
    return getattr(import_module(module), attribute)


def reset_process_state() -> None:
    reset_settings()
    clients.reset_clients()
    reset_idempotency()


@contextmanager
def fresh_world() -> Iterator[World]:
    """A new, empty moto account holding the orchestrator's table, buckets and cluster."""
    meter = CallMeter()
    with mock_aws(), open(os.devnull, "w") as sink:
        reset_process_state()
        clients.add_call_hook(meter)
        log_handlers = logging.getLogger(logger.name).handlers
        streams = [h.setStream(sink) for h in log_handlers if isinstance(h, logging.StreamHandler)]
        try:
            settings = get_settings()
            create_core_resources(settings)
            meter.attach_after_call()
            yield World(settings=settings, meter=meter, sink=sink)
        finally:
            for handler, stream in zip(log_handlers, streams, strict=False):
                if isinstance(handler, logging.StreamHandler) and stream is not None:
                    handler.setStream(stream)
            clients.remove_call_hook(meter)
            reset_process_state()


def declaration(name: str, *, kind: AppKind = "app") -> AppDeclaration:
    """An app as the AppStack declares it (same shape as tests/integration/builders.py)."""
    return AppDeclaration(
        name=name,
        kind=kind,
        codebuild_project=f"{name}-build",
        ecr_repository=f"orchestrator/{name}",
        ecs=EcsConfig(
            cluster=get_settings().cluster_name,
            execution_role_arn=f"arn:aws:iam::{ACCOUNT}:role/{name}-execution",
            task_role_arn=f"arn:aws:iam::{ACCOUNT}:role/{name}-task",
            log_group=f"/orchestrator/apps/{name}",
            image_repository_uri=f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/orchestrator/{name}",
            subnets=["subnet-0123456789abcdef0"],
            security_groups=["sg-0123456789abcdef0"],
        ),
    )


def put_items(items: list[dict[str, Any]]) -> None:
    """Fill the table quickly (BatchWriteItem, 25 items a call)."""
    requests = [{"PutRequest": {"Item": serialize(item)}} for item in items]
    while requests:
        batch, requests = requests[:25], requests[25:]
        unprocessed = client("dynamodb").batch_write_item(RequestItems={get_settings().table_name: batch})
        requests.extend(unprocessed.get("UnprocessedItems", {}).get(get_settings().table_name, []))


def declare_apps(names: list[str]) -> list[AppDeclaration]:
    apps = [declaration(name) for name in names]
    put_items([item for app in apps for item in app_items(app)])
    return apps
