"""`orchestrator access`: who may use an app (the `users` parameter, a JSON list of emails)."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from orchestrator.adapters import operator as operations
from orchestrator.cli.output import AppOption, JsonOption, console, emit, fail
from orchestrator.parameters.access import parse_access_list
from orchestrator.parameters.names import ParameterKind
from orchestrator.parameters.scaling import InvalidParameterError

app = typer.Typer(help="Access: the users of an app or pipeline.", no_args_is_help=True)


def _read(app_name: str) -> list[str]:
    return list(operations.read_json_parameter(operations.target_of(app_name), ParameterKind.USERS) or [])


def _write(app_name: str, users: list[str]) -> list[str]:
    try:
        clean = parse_access_list(json.dumps(users), "users")
    except InvalidParameterError as error:
        fail(str(error), 2)
    operations.write_json_parameter(operations.target_of(app_name), ParameterKind.USERS, clean)
    return clean


def _render(users: list[str]) -> None:
    table = Table("user")
    for user in users:
        table.add_row(str(user))
    console.print(table)


@app.command("list")
def list_(app_name: str = AppOption, as_json: bool = JsonOption) -> None:
    """Users with access to the app."""
    emit(_read(app_name), as_json, _render)


@app.command()
def add(emails: list[str] = typer.Argument(...), app_name: str = AppOption, as_json: bool = JsonOption) -> None:
    """Give users access."""
    emit(_write(app_name, [*_read(app_name), *emails]), as_json, _render)


@app.command()
def remove(emails: list[str] = typer.Argument(...), app_name: str = AppOption, as_json: bool = JsonOption) -> None:
    """Take access away."""
    current = _read(app_name)
    gone = {e.strip().lower() for e in emails}
    missing = sorted(gone - set(current))
    if missing:
        fail(f"no access to remove for {', '.join(missing)}", 1)
    emit(_write(app_name, [u for u in current if u not in gone]), as_json, _render)
