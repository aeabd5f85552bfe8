"""`orchestrator events tail`: the orchestrator's own published events, live, from their log group."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import typer

from orchestrator.cli.output import console, fail, plain

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
POLL_SECONDS = 1.0


def since_seconds(value: str) -> int:
    """`90s`, `10m`, `2h`, `1d` (a bare number is seconds)."""
    match = re.fullmatch(r"(\d+)([smhd]?)", value.strip())
    if match is None:
        raise ValueError(f"--since {value!r}: expected a number with s, m, h or d (e.g. 10m)")
    return int(match.group(1)) * _UNITS[match.group(2) or "s"]


def _line(event: dict[str, Any]) -> str:
    from orchestrator.notifications.models import OrchestratorEvent

    try:
        return f"{event.get('time', '')}  {OrchestratorEvent.model_validate(event).summary()}"
    except ValueError:  # a foreign shape in the log group: shown as it is
        return f"{event.get('time', '')}  {event.get('detail-type', '?')}: {json.dumps(event.get('detail'))}"


def tail(
    app_name: str | None, since: str, follow: bool, limit: int | None, timeout: float | None, as_json: bool
) -> None:
    from orchestrator.adapters.published_events import NoPublishedEventsError, PublishedEvents

    try:
        start_ms = int((time.time() - since_seconds(since)) * 1000)
    except ValueError as error:
        fail(str(error), 2)
    reader = PublishedEvents()
    seen: set[str] = set()
    shown = 0
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        try:
            batch = reader.since(start_ms)
        except NoPublishedEventsError as error:
            fail(f"{error}: install the stack (or start the emulator) with this version", 2)
        for entry in batch:
            if entry.log_event_id in seen:
                continue
            seen.add(entry.log_event_id)
            detail = entry.event.get("detail") or {}
            if app_name is not None and detail.get("app") != app_name:
                continue
            if as_json:
                typer.echo(json.dumps(entry.event, sort_keys=True))
            else:
                console.print(plain(_line(entry.event)))
            shown += 1
            if limit is not None and shown >= limit:
                return
        if batch:
            start_ms = max(start_ms, batch[-1].timestamp_ms)  # the same millisecond again: `seen` skips it
        if not follow or (deadline is not None and time.monotonic() >= deadline):
            return
        time.sleep(POLL_SECONDS)
