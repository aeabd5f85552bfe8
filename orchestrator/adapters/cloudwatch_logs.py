"""CloudWatch Logs: an app's log group read across its streams, a single stream read whole, and (for the
emulator and tests) lines written the way the awslogs driver and CodeBuild write them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from botocore.exceptions import ClientError

from orchestrator.adapters.clients import client


@dataclass(frozen=True)
class LogEvent:
    stream: str
    timestamp: int  # ms since the epoch, as CloudWatch stores it
    message: str
    event_id: str


def _missing(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ResourceNotFoundException"


def group_events(
    group: str, *, start_ms: int, end_ms: int | None = None, stream_prefix: str | None = None, limit: int = 10_000
) -> list[LogEvent]:
    """Events of every stream of `group` (under `stream_prefix`) from `start_ms`, oldest first; at most
    `limit`. A group that does not exist (the app has not logged yet) has none."""
    kwargs: dict[str, object] = {"logGroupName": group, "startTime": start_ms, "interleaved": True}
    if end_ms is not None:
        kwargs["endTime"] = end_ms
    if stream_prefix:
        kwargs["logStreamNamePrefix"] = stream_prefix
    found: list[LogEvent] = []
    try:
        for page in client("logs").get_paginator("filter_log_events").paginate(**kwargs):
            for raw in page.get("events", []):
                stream = str(raw.get("logStreamName", ""))
                if stream_prefix and not stream.startswith(stream_prefix):
                    continue  # the prefix is applied here too: some emulators ignore it
                found.append(
                    LogEvent(
                        stream, int(raw.get("timestamp", 0)), str(raw.get("message", "")), str(raw.get("eventId", ""))
                    )
                )
            if len(found) >= limit:
                break
    except ClientError as error:
        if _missing(error):
            return []
        raise
    found.sort(key=lambda e: (e.timestamp, e.stream, e.event_id))
    return found[:limit]


def stream_lines(group: str, stream: str) -> list[str] | None:
    """Every line of one stream, oldest first; None when the group or stream does not exist."""
    lines: list[str] = []
    token: str | None = None
    logs = client("logs")
    try:
        while True:
            kwargs: dict[str, object] = {"logGroupName": group, "logStreamName": stream, "startFromHead": True}
            if token:
                kwargs["nextToken"] = token
            page = logs.get_log_events(**kwargs)
            lines += [str(e.get("message", "")) for e in page.get("events", [])]
            following = page.get("nextForwardToken")
            if not page.get("events") or following == token:
                return lines
            token = following
    except ClientError as error:
        if _missing(error):
            return None
        raise


def write_lines(group: str, stream: str, lines: Iterator[tuple[int, str]] | list[tuple[int, str]]) -> None:
    """Append (timestamp ms, message) lines to a stream, creating the group and stream when needed."""
    logs = client("logs")
    for operation, kwargs in (
        ("create_log_group", {"logGroupName": group}),
        ("create_log_stream", {"logGroupName": group, "logStreamName": stream}),
    ):
        try:
            getattr(logs, operation)(**kwargs)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ResourceAlreadyExistsException":
                raise
    events = [{"timestamp": at, "message": text} for at, text in lines]
    if events:
        logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
