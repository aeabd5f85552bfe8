"""Bounds on the free text the orchestrator stores (error messages, reasons, log pointers).

A DynamoDB item is at most 400 KB. Identifiers and keys are validated where they enter (they are never
cut: a cut key would name something else); free text is cut here, with a marker that says so, so no
message from AWS, a user or a bundle can push a record past the limit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from pydantic import AfterValidator

MAX_MESSAGE_CHARS = 2000
MAX_MESSAGES = 50


def bounded_text(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """`text`, or its start and a marker naming the original length when it is longer than `limit`."""
    if len(text) <= limit:
        return text
    marker = f"… [truncated: {len(text)} characters]"
    return text[: max(limit - len(marker), 0)] + marker


def bounded_messages(messages: Iterable[str], limit: int = MAX_MESSAGES) -> list[str]:
    """At most `limit` messages, each bounded; the last one says how many more there were."""
    items = list(messages)
    kept = [bounded_text(m) for m in items[:limit]]
    if len(items) > limit:
        kept[-1] = f"… and {len(items) - limit + 1} more"
    return kept


def _optional_bounded(text: str | None) -> str | None:
    return None if text is None else bounded_text(text)


BoundedText = Annotated[str, AfterValidator(bounded_text)]
OptionalBoundedText = Annotated[str | None, AfterValidator(_optional_bounded)]
BoundedMessages = Annotated[list[str], AfterValidator(bounded_messages)]
