"""`orchestrator logs`: the app's CloudWatch log group, every process interleaved by time."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import typer
from rich.text import Text

from orchestrator.cli.lazy import lazy_module
from orchestrator.cli.output import AppOption, JsonOption, console, fail

if TYPE_CHECKING:
    from orchestrator.adapters import cloudwatch_logs
    from orchestrator.adapters import operator as operations
    from orchestrator.pipeline import app_logs
else:
    operations = lazy_module("orchestrator.adapters.operator")
    cloudwatch_logs = lazy_module("orchestrator.adapters.cloudwatch_logs")
    app_logs = lazy_module("orchestrator.pipeline.app_logs")


def _as_dict(line: Any) -> dict[str, str]:
    from datetime import UTC, datetime

    when = datetime.fromtimestamp(line.timestamp / 1000, UTC).isoformat()
    return {"timestamp": when, "process": line.process, "task": line.task, "message": line.message}


def _print(lines: list[Any], as_json: bool) -> None:
    from datetime import UTC, datetime

    for line in lines:
        if as_json:  # one JSON object a line, so a follower's output can be read as it comes
            typer.echo(json.dumps(_as_dict(line), sort_keys=True))
            continue
        when = datetime.fromtimestamp(line.timestamp / 1000, UTC)
        console.print(
            Text.assemble(
                (when.strftime("%Y-%m-%dT%H:%M:%SZ"), "dim"),
                " ",
                (f"{line.process}/{line.task}", "cyan"),
                " ",
                line.message,
            ),
            highlight=False,
            soft_wrap=True,
        )


def logs(
    app_name: str = AppOption,
    process: str | None = typer.Option(None, "--process", "-p", help="Only this process type (web, worker, ...)."),
    since: str = typer.Option("1h", "--since", "-s", help="How far back: 30s, 15m, 1h, 2d, 1w."),
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new lines until Ctrl-C."),
    for_seconds: float | None = typer.Option(
        None, "--for", min=0, help="With -f: stop after this many seconds (for scripts and tests)."
    ),
    interval: float = typer.Option(2.0, "--interval", min=0.1, help="With -f: seconds between reads."),
    as_json: bool = JsonOption,
) -> None:
    """The app's log lines, oldest first, each prefixed with its process and task."""
    try:
        window = app_logs.since_seconds(since)
    except ValueError as error:
        fail(f"--since: {error}", 2)
    if process is not None and not process.replace("-", "").isalnum():
        fail(f"--process: {process!r} is not a process type name", 2)
    group = operations.app_log_group(app_name)
    prefix = app_logs.stream_prefix(app_name, process)
    follower = app_logs.LogFollower(app_name, int((time.time() - window) * 1000))
    lines = follower.new_lines(cloudwatch_logs.group_events(group, start_ms=follower.since_ms, stream_prefix=prefix))
    if not follow:
        if as_json:
            typer.echo(json.dumps([_as_dict(line) for line in lines], indent=2, sort_keys=True))
        elif not lines:
            console.print(Text(f"no log lines in {group} in the last {since}", style="dim"))
        _print([] if as_json else lines, as_json)
        return
    _print(lines, as_json)
    deadline = None if for_seconds is None else time.monotonic() + for_seconds
    with console.status(Text(f"following {group} (Ctrl-C to stop)"), spinner="dots") if not as_json else _Quiet():
        while deadline is None or time.monotonic() < deadline:
            time.sleep(interval if deadline is None else max(0.0, min(interval, deadline - time.monotonic())))
            events = cloudwatch_logs.group_events(group, start_ms=follower.since_ms, stream_prefix=prefix)
            _print(follower.new_lines(events), as_json)


class _Quiet:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None
