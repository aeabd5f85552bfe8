"""moto's DynamoDB under requests made at the same time, as DynamoDB behaves.

The moto server answers each request in a thread of its own (the emulator's handlers, the CLI, the
dashboard), and moto's DynamoDB is not written for that: TransactWriteItems copies each table it touches and,
when an item is cancelled, puts the copy back in place of the table, so a write another request made
meanwhile is lost (and a copy taken while another request writes fails); UpdateItem's ALL_OLD is read
before the update, in a separate step, so another writer's change can fall between the two. In DynamoDB each
request is atomic and a cancelled transaction changes nothing. Here each DynamoDB request runs whole under
one lock: the emulator serves one person's apps, not a fleet, so the lost concurrency costs nothing that shows.
"""

from __future__ import annotations

import threading
from typing import Any

_REQUEST_LOCK = threading.RLock()


def requests_are_atomic() -> None:
    """Run every DynamoDB request moto answers (server or in-process mock) under one lock. Idempotent."""
    from moto.dynamodb.responses import DynamoHandler

    if getattr(DynamoHandler.call_action, "atomic", False):
        return
    original_call_action = DynamoHandler.call_action

    def call_action(self: Any) -> Any:
        with _REQUEST_LOCK:
            return original_call_action(self)

    call_action.atomic = True  # type: ignore[attr-defined]
    DynamoHandler.call_action = call_action  # type: ignore[method-assign]
