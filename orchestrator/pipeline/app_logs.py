"""An app's log lines as `logs` shows them: which process and task wrote each, in time order, each once.

Streams are named the awslogs way, `<prefix>/<container>/<task-id>`, and the prefix of an app's process is
its ECS name `<app>-<process>` (pipeline/taskdefs.py); the process is what remains after `<app>-`. A follower
asks again from the newest timestamp it has seen and drops the events it already printed (by event id),
because CloudWatch may return late events at an already-seen timestamp.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from orchestrator.adapters.cloudwatch_logs import LogEvent
from orchestrator.pipeline.apps import AppRef

_DURATION = re.compile(r"^(?P<n>[1-9][0-9]{0,6})(?P<unit>[smhdw])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def since_seconds(text: str) -> int:
    """`90s`, `15m`, `1h`, `2d`, `1w` → seconds. ValueError with the accepted forms otherwise."""
    match = _DURATION.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a duration (a number and s, m, h, d or w: 30m, 1h, 2d)")
    return int(match["n"]) * _SECONDS[match["unit"]]


@dataclass(frozen=True)
class LogLine:
    timestamp: int
    process: str
    task: str
    message: str


def stream_prefix(app: str, process: str | None) -> str:
    """The stream-name prefix of one process type (`<app>-<process>/`), or of every process of the app."""
    ref = AppRef(app)
    return f"{ref.ecs_name(process)}/" if process else f"{ref.ecs_name('')}"


def log_line(app: str, event: LogEvent) -> LogLine:
    """Who wrote the event: the process (from the stream prefix) and the task id (the stream's last part)."""
    prefix, _, rest = event.stream.partition("/")
    process = prefix.removeprefix(AppRef(app).ecs_name("")) if prefix.startswith(AppRef(app).ecs_name("")) else prefix
    task = rest.rsplit("/", 1)[-1] if rest else event.stream
    return LogLine(event.timestamp, process or "?", task, event.message.rstrip("\n"))


@dataclass
class LogFollower:
    """The new lines of each read, in time order: each event once, however often it is returned."""

    app: str
    since_ms: int
    seen: set[str] = field(default_factory=set)

    def new_lines(self, events: Iterable[LogEvent]) -> list[LogLine]:
        fresh = []
        for event in sorted(events, key=lambda e: (e.timestamp, e.stream, e.event_id)):
            key = event.event_id or f"{event.stream}:{event.timestamp}:{event.message}"
            if key in self.seen:
                continue
            self.seen.add(key)
            fresh.append(log_line(self.app, event))
            self.since_ms = max(self.since_ms, event.timestamp)
        return fresh
