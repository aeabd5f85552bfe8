"""`orchestrator scheduled-tasks`: cron-scheduled commands. Only writes the scheduled-tasks parameter."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from orchestrator.cli.lazy import lazy_module
from orchestrator.cli.output import AppOption, JsonOption, console, emit, fail, plain, warn
from orchestrator.cli.parameter_errors import error_lines, errors_of
from orchestrator.cli.shell_syntax import shell_syntax

if TYPE_CHECKING:
    from orchestrator.adapters import operator as operations
    from orchestrator.parameters.names import Target
else:
    operations = lazy_module("orchestrator.adapters.operator")

app = typer.Typer(help="Scheduled tasks: 6-field AWS cron expressions (UTC) and commands.", no_args_is_help=True)
KIND = "scheduled-tasks"


def _read(target: Target) -> list[Any]:
    from orchestrator.parameters.names import ParameterKind

    return list(operations.read_json_parameter(target, ParameterKind.SCHEDULED_TASKS) or [])


def _table(tasks: list[Any], title: str | None = None) -> Table:
    table = Table("#", "schedule (UTC)", "command", title=title, title_justify="left")
    for index, task in enumerate(tasks, start=1):
        entry = task if isinstance(task, dict) else {}  # a hand-written entry may be anything: show it as is
        table.add_row(str(index), plain(entry.get("schedule", "")), plain(entry.get("command", json.dumps(task))))
    return table


def _render(tasks: list[Any]) -> None:
    console.print(_table(tasks))


@app.command("list")
def list_(app_name: str = AppOption, as_json: bool = JsonOption) -> None:
    """The app's scheduled tasks as written, and, when the orchestrator rejected them, why and what runs."""
    target = operations.target_of(app_name)
    tasks = _read(target)
    rejected = errors_of(operations.parameter_states(target), [KIND])

    def render(data: dict[str, Any]) -> None:
        console.print(_table(data["tasks"], "scheduled-tasks parameter" if rejected else None))
        for line in error_lines(rejected):
            console.print(line)
        for error in rejected:
            console.print(_table((error["in_effect"] or {}).get("tasks") or [], "in effect"))

    emit({"tasks": tasks, "errors": rejected}, as_json, render)


@app.command()
def create(
    schedule: str = typer.Option(..., "--schedule", help='AWS cron, 6 fields, UTC: "0 3 * * ? *".'),
    command: str = typer.Option(..., "--command", help="The command to run (an argv: no shell)."),
    app_name: str = AppOption,
    as_json: bool = JsonOption,
) -> None:
    """Add a scheduled task."""
    from pydantic import ValidationError

    from orchestrator.parameters.names import ParameterKind
    from orchestrator.parameters.scaling import InvalidParameterError, format_validation_error
    from orchestrator.parameters.schedules import ScheduledTask, parse_scheduled_tasks, scheduled_tasks_refused

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
    syntax = shell_syntax(command)
    if syntax:
        warn(
            f"the command is run without a shell: {' '.join(syntax)} will be passed to the program as "
            "literal text; wrap it in sh -c '…' if you need a shell"
        )
    operations.write_json_parameter(target, ParameterKind.SCHEDULED_TASKS, tasks)
    emit(tasks, as_json, _render)


@app.command()
def delete(
    index: int = typer.Argument(..., help="The task's number in `scheduled-tasks list`."),
    app_name: str = AppOption,
    as_json: bool = JsonOption,
) -> None:
    """Remove a scheduled task."""
    from orchestrator.parameters.names import ParameterKind

    target = operations.target_of(app_name)
    tasks = _read(target)
    if not 1 <= index <= len(tasks):
        fail(f"no scheduled task #{index} ({len(tasks)} defined)", 1)
    del tasks[index - 1]
    operations.write_json_parameter(target, ParameterKind.SCHEDULED_TASKS, tasks)
    emit(tasks, as_json, _render)
