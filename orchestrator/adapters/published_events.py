"""Read the orchestrator's published events back from the log group their archive rule writes to."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from orchestrator.adapters.clients import client
from orchestrator.events.patterns import PUBLISHED_EVENTS_LOG_GROUP

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient


class NoPublishedEventsError(RuntimeError):
    """The log group does not exist: the stack (or the emulator) was not installed with it."""


@dataclass(frozen=True)
class PublishedEvent:
    log_event_id: str
    timestamp_ms: int
    event: dict[str, Any]


class PublishedEvents:
    @property
    def _logs(self) -> CloudWatchLogsClient:
        logs: CloudWatchLogsClient = client("logs")
        return logs

    def since(self, start_ms: int) -> list[PublishedEvent]:
        """Every event logged at or after `start_ms`, oldest first (the log group is small: one line each)."""
        found: list[PublishedEvent] = []
        try:
            paginator = self._logs.get_paginator("filter_log_events")
            for page in paginator.paginate(logGroupName=PUBLISHED_EVENTS_LOG_GROUP, startTime=start_ms):
                for entry in page.get("events", []):
                    try:
                        event = json.loads(entry.get("message", ""))
                    except ValueError:
                        continue  # not written by the rule: not an event
                    if isinstance(event, dict):
                        found.append(PublishedEvent(entry.get("eventId", ""), entry.get("timestamp", 0), event))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                raise NoPublishedEventsError(f"log group {PUBLISHED_EVENTS_LOG_GROUP} does not exist") from error
            raise
        return sorted(found, key=lambda e: (e.timestamp_ms, e.log_event_id))
