"""The dead-letter queue: what failed for good, and the redrive that delivers it again.

A message is one event that a handler's function failed on after Lambda's retries (its body is the event
itself; its attributes say which function and why). A redrive delivers each event again to the function it
failed in, as an asynchronous invocation with the SAME event: its `id` is unchanged, so the claims the
failed attempts took are recognised and resumed (orchestrator/pipeline/claims.py). PutEvents would give the
event a new id, and EventBridge refuses `aws.*` sources from PutEvents anyway.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from orchestrator.adapters.clients import client

Deliver = Callable[[str, dict[str, Any]], None]


def invoke_async(function_name: str, event: dict[str, Any]) -> None:
    """Deliver `event` to a Lambda function the way EventBridge does: an asynchronous invocation."""
    client("lambda").invoke(FunctionName=function_name, InvocationType="Event", Payload=json.dumps(event).encode())


def redrive(dlq_url: str, deliver: Deliver, function_for: Callable[[dict[str, Any]], str | None]) -> list[dict[str, Any]]:
    """Take every message off the DLQ and deliver its event again to its function (the `FunctionName`
    attribute, else `function_for(event)`). A message whose function is unknown stays in the queue.
    Returns one row per message: event id, detail type, function, its last error, and whether it was sent."""
    sqs = client("sqs")
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    while True:
        messages = sqs.receive_message(
            QueueUrl=dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=0, MessageAttributeNames=["All"],
            VisibilityTimeout=60,
        ).get("Messages", [])  # fmt: skip
        fresh = [m for m in messages if m["MessageId"] not in seen]
        if not fresh:
            return rows
        for message in fresh:
            seen.add(message["MessageId"])
            attributes = message.get("MessageAttributes", {})
            event: dict[str, Any] = json.loads(message["Body"])
            function = attributes.get("FunctionName", {}).get("StringValue") or function_for(event)
            row = {
                "id": event.get("id"),
                "detail_type": event.get("detail-type"),
                "function": function,
                "error": attributes.get("ErrorMessage", {}).get("StringValue", ""),
                "redriven": False,
            }
            if function:
                deliver(function, event)
                sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
                row["redriven"] = True
            rows.append(row)
