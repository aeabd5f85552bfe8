"""Replay captured events into the running emulator: PutEvents on its bus, then wait for the handlers."""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from orchestrator.adapters.clients import client
from orchestrator.events.matching import matches
from orchestrator.events.patterns import event_routes
from orchestrator.local.resources import DLQ_NAME
from orchestrator.settings import get_settings

_DEPTH_ATTRIBUTES = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]


def _depth(queue_url: str) -> int:
    attributes = client("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=_DEPTH_ATTRIBUTES)
    return sum(int(attributes["Attributes"][name]) for name in _DEPTH_ATTRIBUTES)


def _put_entry(raw: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "Source": raw["source"],
        "DetailType": raw["detail-type"],
        "Detail": json.dumps(raw["detail"]),
        "Resources": raw.get("resources", []),
    }
    if raw.get("time"):
        entry["Time"] = datetime.fromisoformat(str(raw["time"]).replace("Z", "+00:00"))
    return entry


def replay_events(events: list[tuple[Path, dict[str, Any]]], *, wait: float) -> dict[str, Any]:
    """Send each event, say which routes it matched, and report what is still unhandled after `wait`
    seconds and how many new dead letters appeared."""
    settings = get_settings()
    routes = event_routes(ssm_prefix=settings.ssm_prefix, bundle_bucket=settings.bundle_bucket)
    sqs = client("sqs")
    dlq_url = sqs.get_queue_url(QueueName=DLQ_NAME)["QueueUrl"]
    before = _depth(dlq_url)
    results: list[dict[str, Any]] = []
    touched: set[str] = set()
    for path, raw in events:
        response = client("events").put_events(Entries=[_put_entry(raw)])
        matched = [r.name for r in routes if matches(r.pattern, raw)]
        results.append({"file": str(path), "accepted": not response.get("FailedEntryCount"), "routes": matched})
        touched.update(matched)
    queues = [sqs.get_queue_url(QueueName=f"orchestrator-{name}")["QueueUrl"] for name in sorted(touched)]
    deadline = time.monotonic() + wait
    while sum(map(_depth, queues)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return {"events": results, "undelivered": sum(map(_depth, queues)), "new_dead_letters": _depth(dlq_url) - before}


def deliver_to_route_queue(function_name: str, event: dict[str, Any]) -> None:
    """The emulator's stand-in for an asynchronous invocation of `orchestrator-<route>`: the route's queue,
    which its dispatcher delivers from (with Lambda's retries)."""
    sqs = client("sqs")
    sqs.send_message(QueueUrl=sqs.get_queue_url(QueueName=function_name)["QueueUrl"], MessageBody=json.dumps(event))


def function_for(event: dict[str, Any]) -> str | None:
    """The function an event is delivered to: the first route whose pattern matches it."""
    settings = get_settings()
    for route in event_routes(ssm_prefix=settings.ssm_prefix, bundle_bucket=settings.bundle_bucket):
        if matches(route.pattern, event):
            return f"orchestrator-{route.name}"
    return None


def redrive_dead_letters() -> list[dict[str, Any]]:
    """Deliver every event in the emulator's DLQ again, with its original id, to the function it failed in."""
    from orchestrator.adapters.dead_letters import redrive

    sqs = client("sqs")
    return redrive(sqs.get_queue_url(QueueName=DLQ_NAME)["QueueUrl"], deliver_to_route_queue, function_for)
