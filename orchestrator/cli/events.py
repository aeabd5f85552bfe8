"""`orchestrator events`: explain events (and, with the emulator, replay them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
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
