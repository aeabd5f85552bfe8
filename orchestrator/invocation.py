"""The identity of the event being handled, for the claims its side effects take.

The handler scaffold sets it from the EventBridge event `id` (the same on every delivery and Lambda retry of
that event). A claim written under one identity is recognised as its own by a later attempt with the same
identity: a retry after a lost response, a crash or a failed "done" write resumes its own claim at once
instead of waiting for it to go stale. Outside a handler (the CLI, tests) every claim gets a fresh identity.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_current: ContextVar[str | None] = ContextVar("orchestrator_invocation", default=None)


@contextmanager
def handling(event_id: str | None) -> Iterator[None]:
    """Claims made inside this block carry `event_id` (no identity when the event has none)."""
    token = _current.set(event_id or None)
    try:
        yield
    finally:
        _current.reset(token)


def owner_for(step: str) -> str:
    """The owner a claim for `step` (action and target) records: the event id plus the step."""
    event_id = _current.get()
    return f"{event_id or 'adhoc-' + uuid.uuid4().hex}/{step}"


def has_identity() -> bool:
    """Whether claims made now carry an event's identity (inside a handler), so that a later call of this
    invocation, or its retry, recognises them as its own."""
    return _current.get() is not None
