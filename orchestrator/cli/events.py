"""`orchestrator events`: explain events (and, with the emulator, replay them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from orchestrator.cli.output import JsonOption, console, emit, fail
from orchestrator.explain import InvalidEventError, explain_event

app = typer.Typer(help="Inspect AWS events the way the orchestrator routes them.", no_args_is_help=True)


def load_event_file(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except OSError as error:
        fail(f"{path}: cannot read: {error.strerror}", 2)
    except json.JSONDecodeError as error:
        fail(f"{path}: not valid JSON: {error.msg} at line {error.lineno}", 2)


@app.command()
def explain(
    files: list[Path] = typer.Argument(..., help="Event JSON files (one EventBridge event each)."),
    as_json: bool = JsonOption,
) -> None:
    """Say which handler each event routes to, and what that handler would do. Changes nothing."""
    results = []
    for path in files:
        raw = load_event_file(path)
        try:
            results.append({"file": str(path), **explain_event(raw).to_dict()})
        except InvalidEventError as error:
            fail(f"{path}: {error}", 2)

    def render(rows: list[dict[str, Any]]) -> None:
        table = Table("file", "event", "rule", "what the handler would do")
        for row in rows:
            event = f"{row['source']} / {row['detail_type']}"
            if not row["routes"]:
                table.add_row(Path(row["file"]).name, event, "-", "no rule matches: not managed")
            for route in row["routes"]:
                table.add_row(Path(row["file"]).name, event, route["rule"], route["action"])
        console.print(table)

    emit(results, as_json, render)
