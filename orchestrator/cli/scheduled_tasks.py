"""`orchestrator scheduled-tasks`: cron-scheduled commands. Only writes the scheduled-tasks parameter."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.table import Table

from orchestrator.adapters import operator as operations
from orchestrator.cli.output import AppOption, JsonOption, console, emit, fail
from orchestrator.parameters.names import ParameterKind
from orchestrator.parameters.scaling import InvalidParameterError
from orchestrator.parameters.schedules import parse_scheduled_tasks

app = typer.Typer(help="Scheduled tasks: 6-field AWS cron expressions (UTC) and commands.", no_args_is_help=True)


def _read(app_name: str) -> list[dict[str, Any]]:
    value = operations.read_json_parameter(operations.target_of(app_name), ParameterKind.SCHEDULED_TASKS)
    return list(value or [])


def _render(tasks: list[dict[str, Any]]) -> None:
    table = Table("#", "schedule", "command")
    for index, task in enumerate(tasks, start=1):
        entry = task if isinstance(task, dict) else {}  # a hand-written entry may be anything: show it as is
        table.add_row(str(index), str(entry.get("schedule", "")), str(entry.get("command", json.dumps(task))))
    console.print(table)


@app.command("list")
def list_(app_name: str = AppOption, as_json: bool = JsonOption) -> None:
    """The app's scheduled tasks."""
    emit(_read(app_name), as_json, _render)


@app.command()
def create(
    schedule: str = typer.Option(..., "--schedule", help='AWS cron, 6 fields, UTC: "0 3 * * ? *".'),
    command: str = typer.Option(..., "--command", help="The command to run."),
    app_name: str = AppOption,
    as_json: bool = JsonOption,
) -> None:
    """Add a scheduled task."""
    tasks = [*_read(app_name), {"schedule": schedule, "command": command}]
    try:
        parse_scheduled_tasks(json.dumps(tasks))
    except InvalidParameterError as error:
        fail(str(error), 2)
    operations.write_json_parameter(operations.target_of(app_name), ParameterKind.SCHEDULED_TASKS, tasks)
    emit(tasks, as_json, _render)


@app.command()
def delete(
    index: int = typer.Argument(..., help="The task's number in `scheduled-tasks list`."),
    app_name: str = AppOption,
    as_json: bool = JsonOption,
) -> None:
    """Remove a scheduled task."""
    tasks = _read(app_name)
    if not 1 <= index <= len(tasks):
        fail(f"no scheduled task #{index} ({len(tasks)} defined)", 1)
    del tasks[index - 1]
    operations.write_json_parameter(operations.target_of(app_name), ParameterKind.SCHEDULED_TASKS, tasks)
    emit(tasks, as_json, _render)
