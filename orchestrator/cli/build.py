"""`orchestrator build`: list, inspect, watch and start builds."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import typer
from rich.text import Text

from orchestrator.cli.lazy import lazy_module
from orchestrator.cli.output import AppOption, JsonOption, console, emit, fail, say_error

if TYPE_CHECKING:
    from orchestrator.adapters import operator as operations
    from orchestrator.local import views
else:
    operations = lazy_module("orchestrator.adapters.operator")
    views = lazy_module("orchestrator.local.views")

app = typer.Typer(help="Builds: from a push to a deploy.", no_args_is_help=True)


def _outcome(record: dict[str, Any]) -> bool | None:
    """True when deployed, False when it failed or a newer build took its place, None while it is going."""
    status = views.build_status(record)
    if status == "deployed":
        return True
    if status.endswith("failed") or status.startswith("superseded"):
        return False
    return None


@app.command("list")
def list_(
    app_name: str = AppOption,
    limit: int = typer.Option(10, "--limit", "-n", min=1, max=100, help="How many builds, newest first."),
    as_json: bool = JsonOption,
) -> None:
    """Builds of the app, newest first, with one mark per phase."""
    records = operations.builds(app_name, limit)
    if not records:  # one Query when there are builds; otherwise an unknown app must say so
        operations.app_settings(app_name)
    emit(records, as_json, lambda rows: console.print(views.builds_table(rows)))


@app.command()
def status(
    number: int | None = typer.Argument(None, min=1, help="Build number (default: the newest)."),
    app_name: str = AppOption,
    all_phases: bool = typer.Option(False, "--phases", help="Also list CodeBuild's own phases."),
    as_json: bool = JsonOption,
) -> None:
    """One build as a timeline of its phases."""
    operations.app_settings(app_name)
    record = operations.build(app_name, number)
    if record is None:
        fail(_missing(app_name, number), 1)
    failing = _failing_log_tail(record)
    if as_json:
        emit({**record, "failed_log_tail": failing[1] if failing else None}, as_json, lambda r: None)
        return
    console.print(views.timeline(record, codebuild_phases=all_phases))
    if failing:
        phase, lines = failing
        console.print(Text(f"last lines of the {phase} log:", style="bold red"))
        for line in lines:
            console.print(Text(line), highlight=False, soft_wrap=True)


FAILED_LOG_LINES = 20


def _failing_log_tail(record: dict[str, Any]) -> tuple[str, list[str]] | None:
    """(phase, the last lines of its log) when a phase failed and its log can be read."""
    from orchestrator.pipeline.log_pointers import failed_phase_pointer

    found = failed_phase_pointer(record)
    if found is None:
        return None
    lines = operations.read_log_pointer(found[1])
    return (found[0], lines[-FAILED_LOG_LINES:]) if lines else None


@app.command("logs")
def logs(
    number: int | None = typer.Argument(None, min=1, help="Build number (default: the newest)."),
    app_name: str = AppOption,
    phase: str = typer.Option("build", "--phase", help="Whose log: build, test, finalize, release, postdeploy."),
    as_json: bool = JsonOption,
) -> None:
    """A build's log, as its record points to it (the uploaded build.log, or the CloudWatch stream)."""
    if phase not in LOG_PHASES:
        fail(f"--phase: {phase!r} is not one of {', '.join(LOG_PHASES)}", 2)
    operations.app_settings(app_name)
    record = operations.build(app_name, number)
    if record is None:
        fail(_missing(app_name, number), 1)
    shown = int(record["build_number"])
    pointer = (record.get(phase) or {}).get("logs")
    if not pointer:
        fail(f"build #{shown} has no {phase} log (yet); see `orchestrator build status {shown} -a {app_name}`", 1)
    lines = operations.read_log_pointer(str(pointer))
    if lines is None:
        fail(f"build #{shown}: its {phase} log {pointer} is not there (not uploaded yet, or expired)", 1)
    data = {"build_number": shown, "phase": phase, "log": pointer, "lines": lines}
    if as_json:
        emit(data, as_json, lambda d: None)
        return
    for line in lines:
        console.print(Text(line), highlight=False, soft_wrap=True)


LOG_PHASES = ("build", "test", "finalize", "release", "postdeploy")


def _missing(app_name: str, number: int | None) -> str:
    if number is None:
        return f"{app_name} has no builds yet; start one with `orchestrator build start -a {app_name}`"
    newest = operations.build(app_name, None)
    latest = f"the newest is #{newest['build_number']}" if newest else "it has no builds yet"
    return f"{app_name} has no build #{number} ({latest})"


def _awaited(app_name: str, number: int | None) -> tuple[int, dict[str, Any] | None]:
    """The build to follow: its number, and its record when there is one yet. A build that CodeBuild has
    not started either is a one-line error at once, not a wait until the timeout."""
    record = operations.build(app_name, number)
    if record is not None:
        return int(record["build_number"]), record
    started = operations.latest_started_build_number(app_name)
    if number is None:
        number = started  # started in CodeBuild, its first event not handled yet
    if number is None or started is None or number > started:
        fail(_missing(app_name, number), 1)
    return number, None


@app.command()
def watch(
    number: int | None = typer.Argument(None, min=1, help="Build number (default: the newest)."),
    app_name: str = AppOption,
    timeout: float = typer.Option(1800.0, "--timeout", min=0, help="Give up after this many seconds."),
    interval: float = typer.Option(2.0, "--interval", min=0.1, help="Seconds between refreshes."),
    as_json: bool = JsonOption,
) -> None:
    """Follow a build until it is deployed (exit 0), fails or is superseded by a newer build (exit 1)."""
    from rich.live import Live
    from rich.text import Text

    operations.app_settings(app_name)
    number, record = _awaited(app_name, number)
    deadline = time.monotonic() + timeout
    with Live(console=console, refresh_per_second=4, transient=as_json) as live:
        while True:
            if record is None:
                if not as_json:
                    live.update(Text(f"waiting for build #{number} to start…", style="dim"))
            else:
                if not as_json:
                    live.update(views.timeline(record))
                if _outcome(record) is not None:
                    break
            if time.monotonic() > deadline:
                fail(f"build #{number} still running after {timeout:.0f}s", 1)
            time.sleep(interval)
            record = operations.build(app_name, number)
    if as_json:
        emit(record, as_json, lambda r: None)
    else:
        console.print(views.deploystatus_panel(operations.deploystatus(app_name)))
    if not _outcome(record):
        superseded = record.get("superseded_by")
        if superseded:
            # Not a failure of this build, but it will never be deployed: say which build to follow instead.
            say_error(
                f"build #{number} was superseded by #{superseded}, which deploys instead; "
                f"follow it with `orchestrator build watch {superseded} -a {app_name}`",
                "superseded:",
            )
            raise typer.Exit(1)
        fail(f"build #{number}: {views.build_status(record)}", 1)


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
            f"build #{d['build_number']} started; follow it with "
            f"`orchestrator build watch {d['build_number']} -a {app_name}`",
            markup=False,
            highlight=False,
        ),
    )
