"""PutEvents on the account's default EventBridge bus."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from orchestrator.adapters.clients import client

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient


class EventPublishError(RuntimeError):
    """EventBridge took the request but refused the entry (its FailedEntryCount); retryable."""


class EventBus:
    @property
    def _events(self) -> EventBridgeClient:
        events: EventBridgeClient = client("events")
        return events

    def publish(self, source: str, detail_type: str, detail: dict[str, Any], resources: list[str]) -> str:
        """Publish one event; returns its EventBridge id."""
        entry: Any = {
            "Source": source, "DetailType": detail_type, "Detail": json.dumps(detail), "Resources": resources,
        }  # fmt: skip
        response = self._events.put_events(Entries=[entry])
        result = (response.get("Entries") or [{}])[0]
        if response.get("FailedEntryCount") or "EventId" not in result:
            raise EventPublishError(f"{detail_type}: {result.get('ErrorCode')} {result.get('ErrorMessage')}")
        return str(result["EventId"])

    def publish_all(self, source: str, events: list[tuple[str, dict[str, Any], list[str]]]) -> list[str | None]:
        """Publish (detail type, detail, resources) events, 10 per PutEvents (its limit); returns each one's
        EventBridge id, or None where the entry was refused (the caller retries those)."""
        ids: list[str | None] = []
        for start in range(0, len(events), 10):
            entries: Any = [
                {"Source": source, "DetailType": kind, "Detail": json.dumps(detail), "Resources": resources}
                for kind, detail, resources in events[start : start + 10]
            ]
            response = self._events.put_events(Entries=entries)
            ids.extend(
                (str(r["EventId"]) if "EventId" in r else None) for r in response.get("Entries") or [{}] * len(entries)
            )
        return ids
