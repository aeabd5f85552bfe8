"""`orchestrator events`: explain events (and, with the emulator, replay them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from orchestrator.cli.output import JsonOption, console, emit, fail, plain, read_json_file

app = typer.Typer(help="Inspect AWS events the way the orchestrator routes them.", no_args_is_help=True)


@app.command()
def explain(
    files: list[Path] = typer.Argument(..., help="Event JSON files (one EventBridge event each)."),
    as_json: bool = JsonOption,
) -> None:
    """Say which handler each event routes to, and what that handler would do. Changes nothing."""
    from orchestrator.explain import InvalidEventError, explain_event

    results = []
    for path in files:
        raw = read_json_file(path)
        try:
            results.append({"file": str(path), **explain_event(raw).to_dict()})
        except InvalidEventError as error:
            fail(f"{path}: {error}", 2)

    def render(rows: list[dict[str, Any]]) -> None:
        table = Table("file", "event", "rule", "what the handler would do")
        for row in rows:
            event = plain(f"{row['source']} / {row['detail_type']}")
            name = plain(Path(row["file"]).name)
            if not row["routes"]:
                table.add_row(name, event, "-", "no rule matches: not managed")
            for route in row["routes"]:
                table.add_row(name, event, plain(route["rule"]), plain(route["action"]))
        console.print(table)

    emit(results, as_json, render)


@app.command(name="tail")
def tail_events(
    app_name: str | None = typer.Option(None, "-a", "--app", metavar="APP", help="Only this app's events."),
    since: str = typer.Option("10m", "--since", help="Start this long ago: 90s, 10m, 2h, 1d."),
    follow: bool = typer.Option(True, "--follow/--no-follow", help="Keep waiting for new events."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Stop after this many events."),
    timeout: float | None = typer.Option(None, "--timeout", min=0, help="Stop following after this many seconds."),
    as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """Show the orchestrator's own events (build, release, deploy state changes) as they are published.
    --json prints one event per line, exactly as EventBridge delivered it."""
    from orchestrator.cli.event_tail import tail

    tail(app_name, since, follow, limit, timeout, as_json)


@app.command()
def replay(
    files: list[Path] = typer.Argument(..., help="Captured event JSON files (one EventBridge event each)."),
    state_dir: Path | None = typer.Option(
        None, "--state-dir", show_default=False,
        help="The running emulator's state directory, used when no --endpoint-url is given "
             "(default: ORCHESTRATOR_LOCAL_STATE_DIR, else ~/.local/state/orchestrator/local).",
    ),
    wait: float = typer.Option(5.0, "--wait", help="Seconds to wait for the handlers to take the events."),
    as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """Send captured events into the running emulator (PutEvents on its bus) and say where each went."""
    from orchestrator.cli.emulator import use_emulator
    from orchestrator.explain import InvalidEventError, explain_event
    from orchestrator.local.replay import replay_events

    use_emulator(state_dir)
    events = []
    for path in files:
        raw = read_json_file(path)
        try:
            explain_event(raw)  # validates the envelope; a non-event exits 2 before anything is sent
        except InvalidEventError as error:
            fail(f"{path}: {error}", 2)
        events.append((path, raw))
    summary = replay_events(events, wait=wait)

    def render(data: dict[str, Any]) -> None:
        table = Table("file", "routed to")
        for row in data["events"]:
            table.add_row(plain(Path(row["file"]).name), plain(", ".join(row["routes"]) or "no rule: acknowledged by nobody"))
        console.print(table)
        style = "green" if not data["new_dead_letters"] and not data["undelivered"] else "red"
        console.print(
            f"[{style}]{data['new_dead_letters']} new dead letters, {data['undelivered']} events not yet handled[/]"
        )

    emit(summary, as_json, render)
    if summary["new_dead_letters"] or summary["undelivered"]:
        raise typer.Exit(1)


@app.command()
def redrive(
    state_dir: Path | None = typer.Option(
        None, "--state-dir", show_default=False,
        help="The running emulator's state directory, used when no --endpoint-url is given and one runs "
             "(default: ORCHESTRATOR_LOCAL_STATE_DIR, else ~/.local/state/orchestrator/local).",
    ),
    as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """Deliver every event in the dead-letter queue again, unchanged, to the function it failed in.

    The operator's recovery once the cause is fixed: the event keeps its id, so the steps it had claimed are
    resumed, not made twice. Against AWS each event is an asynchronous Lambda invocation
    (ORCHESTRATOR_DLQ_URL names the queue); against the emulator, its route's queue. Exit 1 if any event
    could not be matched to a function (it stays in the queue)."""
    from orchestrator.adapters.dead_letters import invoke_async
    from orchestrator.adapters.dead_letters import redrive as redrive_queue
    from orchestrator.cli.emulator import running_emulator, state_dir_of, use_emulator
    from orchestrator.cli.setup import is_loopback
    from orchestrator.local.replay import function_for, redrive_dead_letters
    from orchestrator.settings import get_settings

    settings = get_settings()
    endpoint = settings.endpoint_url
    if is_loopback(endpoint) or (endpoint is None and running_emulator(state_dir_of(state_dir)) is not None):
        use_emulator(state_dir)
        rows = redrive_dead_letters()
    else:
        if not settings.dlq_url:
            fail("set ORCHESTRATOR_DLQ_URL to the stack's dead-letter queue (stack output DeadLetterQueueUrl)", 2)
        rows = redrive_queue(settings.dlq_url, invoke_async, function_for)

    def render(data: list[dict[str, Any]]) -> None:
        if not data:
            console.print("[green]the dead-letter queue is empty[/]")
            return
        table = Table("event", "type", "function", "last error", "redriven")
        for row in data:
            table.add_row(
                escape(str(row["id"])), escape(str(row["detail_type"])), escape(str(row["function"] or "-")),
                escape(str(row["error"])[:80]), "yes" if row["redriven"] else "[red]no: no route matches[/]",
            )  # fmt: skip
        console.print(table)

    emit(rows, as_json, render)
    if any(not row["redriven"] for row in rows):
        raise typer.Exit(1)
