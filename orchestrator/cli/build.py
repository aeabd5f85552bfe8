"""`orchestrator build`: list, inspect, watch and start builds."""

from __future__ import annotations

import time
from typing import Any

import typer
from rich.live import Live

from orchestrator.adapters import operator as operations
from orchestrator.cli.output import AppOption, JsonOption, console, emit, fail
from orchestrator.local.views import build_status, builds_table, deploystatus_panel, timeline

app = typer.Typer(help="Builds: from a push to a deploy.", no_args_is_help=True)


def _terminal(record: dict[str, Any]) -> bool | None:
    """True when deployed, False when failed, None while it is still going."""
    status = build_status(record)
    if status == "deployed":
        return True
    if status.endswith("failed"):
        return False
    return None


@app.command("list")
def list_(
    app_name: str = AppOption,
    limit: int = typer.Option(10, "--limit", "-n", min=1, max=100, help="How many builds, newest first."),
    as_json: bool = JsonOption,
) -> None:
    """Builds of the app, newest first, with a status column per phase."""
    operations.app_settings(app_name)
    records = operations.builds(app_name, limit)
    emit(records, as_json, lambda rows: console.print(builds_table(rows)))


@app.command()
def status(
    number: int | None = typer.Argument(None, help="Build number (default: the newest)."),
    app_name: str = AppOption,
    as_json: bool = JsonOption,
) -> None:
    """One build as a timeline of its phases."""
    operations.app_settings(app_name)
    record = operations.build(app_name, number)
    if record is None:
        fail(f"{app_name} has no build {number}" if number else f"{app_name} has no builds yet", 1)
    emit(record, as_json, lambda r: console.print(timeline(r)))


@app.command()
def watch(
    number: int | None = typer.Argument(None, help="Build number (default: the newest)."),
    app_name: str = AppOption,
    timeout: float = typer.Option(1800.0, "--timeout", help="Give up after this many seconds."),
    interval: float = typer.Option(2.0, "--interval", help="Seconds between refreshes."),
    as_json: bool = JsonOption,
) -> None:
    """Follow a build until it is deployed (exit 0) or fails (exit 1)."""
    operations.app_settings(app_name)
    deadline = time.monotonic() + timeout
    record = operations.build(app_name, number)
    with Live(console=console, refresh_per_second=4, transient=as_json) as live:
        while True:
            if record is not None:
                if not as_json:
                    live.update(timeline(record))
                if _terminal(record) is not None:
                    break
            if time.monotonic() > deadline:
                fail(f"build still running after {timeout:.0f}s", 1)
            time.sleep(interval)
            record = operations.build(app_name, number or (record or {}).get("build_number"))
    assert record is not None
    if as_json:
        emit(record, as_json, lambda r: None)
    else:
        console.print(deploystatus_panel(operations.deploystatus(app_name)))
    if not _terminal(record):
        fail(f"build {record['build_number']}: {build_status(record)}", 1)


@app.command()
def start(
    app_name: str = AppOption,
    source_version: str | None = typer.Option(None, "--ref", help="Commit, branch or tag (default: the project's)."),
    as_json: bool = JsonOption,
) -> None:
    """Start a build of the app's CodeBuild project (what a push does)."""
    started = operations.start_build(app_name, source_version)
    data = {
        "id": started.get("id"),
        "build_number": started.get("buildNumber"),
        "source_version": started.get("sourceVersion"),
    }
    emit(
        data,
        as_json,
        lambda d: console.print(
            f"build #{d['build_number']} started ({d['id']}); follow it with `orchestrator build watch -a {app_name}`"
        ),
    )
