"""`orchestrator scheduled-tasks`: cron-scheduled commands. Only writes the scheduled-tasks parameter."""

from __future__ import annotations

import json
from typing import Any

import typer
from pydantic import ValidationError
from rich.table import Table

from orchestrator.adapters import operator as operations
from orchestrator.cli.output import AppOption, JsonOption, console, emit, fail
from orchestrator.parameters.names import ParameterKind, Target
from orchestrator.parameters.scaling import InvalidParameterError, format_validation_error
from orchestrator.parameters.schedules import ScheduledTask, parse_scheduled_tasks, scheduled_tasks_refused

app = typer.Typer(help="Scheduled tasks: 6-field AWS cron expressions (UTC) and commands.", no_args_is_help=True)


def _read(target: Target) -> list[dict[str, Any]]:
    return list(operations.read_json_parameter(target, ParameterKind.SCHEDULED_TASKS) or [])


def _render(tasks: list[dict[str, Any]]) -> None:
    table = Table("#", "schedule", "command")
    for index, task in enumerate(tasks, start=1):
        entry = task if isinstance(task, dict) else {}  # a hand-written entry may be anything: show it as is
        table.add_row(str(index), str(entry.get("schedule", "")), str(entry.get("command", json.dumps(task))))
    console.print(table)


@app.command("list")
def list_(app_name: str = AppOption, as_json: bool = JsonOption) -> None:
    """The app's scheduled tasks."""
    emit(_read(operations.target_of(app_name)), as_json, _render)


@app.command()
def create(
    schedule: str = typer.Option(..., "--schedule", help='AWS cron, 6 fields, UTC: "0 3 * * ? *".'),
    command: str = typer.Option(..., "--command", help="The command to run."),
    app_name: str = AppOption,
    as_json: bool = JsonOption,
) -> None:
    """Add a scheduled task."""
    target = operations.target_of(app_name)
    refused = scheduled_tasks_refused(target)  # the orchestrator would reject the parameter: say so first
    if refused is not None:
        fail(refused, 2)
    task = {"schedule": schedule, "command": command}
    try:
        ScheduledTask.model_validate(task)
    except ValidationError as error:
        fail(f"invalid scheduled task: {format_validation_error(error)}", 2)
    tasks = [*_read(target), task]
    try:
        parse_scheduled_tasks(json.dumps(tasks))  # the rules that span tasks (commands per schedule, count)
    except InvalidParameterError as error:
        fail(str(error), 2)
    operations.write_json_parameter(target, ParameterKind.SCHEDULED_TASKS, tasks)
    emit(tasks, as_json, _render)


@app.command()
def delete(
    index: int = typer.Argument(..., help="The task's number in `scheduled-tasks list`."),
    app_name: str = AppOption,
    as_json: bool = JsonOption,
) -> None:
    """Remove a scheduled task."""
    target = operations.target_of(app_name)
    tasks = _read(target)
    if not 1 <= index <= len(tasks):
        fail(f"no scheduled task #{index} ({len(tasks)} defined)", 1)
    del tasks[index - 1]
    operations.write_json_parameter(target, ParameterKind.SCHEDULED_TASKS, tasks)
    emit(tasks, as_json, _render)
