"""`orchestrator access`: who may use an app (the `users` parameter, a JSON list of emails)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from orchestrator.cli.lazy import lazy_module
from orchestrator.cli.output import AppOption, JsonOption, console, emit, fail, plain

if TYPE_CHECKING:
    from orchestrator.adapters import operator as operations
    from orchestrator.parameters.names import Target
else:
    operations = lazy_module("orchestrator.adapters.operator")

app = typer.Typer(help="Access: the users of an app or pipeline.", no_args_is_help=True)


def _target(app_name: str) -> Target:
    target = operations.target_of(app_name)
    if target.kind == "review_app":
        fail(f"review apps have no access list of their own; use the pipeline's (-a {target.name})", 2)
    return target


def _read(target: Target) -> list[str]:
    from orchestrator.parameters.names import ParameterKind

    return list(operations.read_json_parameter(target, ParameterKind.USERS) or [])


def _emails(given: list[str]) -> list[str]:
    from orchestrator.parameters.access import normalize_email

    try:
        return [normalize_email(email) for email in given]
    except ValueError as error:
        fail(str(error), 2)


def _write(target: Target, users: list[str]) -> list[str]:
    from orchestrator.parameters.access import parse_access_list
    from orchestrator.parameters.names import ParameterKind
    from orchestrator.parameters.scaling import InvalidParameterError

    try:
        clean = parse_access_list(json.dumps(users), "users")
    except InvalidParameterError as error:
        fail(str(error), 2)
    operations.write_json_parameter(target, ParameterKind.USERS, clean)
    return clean


def _render(users: list[str]) -> None:
    table = Table("user")
    for user in users:
        table.add_row(plain(user))
    console.print(table)


@app.command("list")
def list_(app_name: str = AppOption, as_json: bool = JsonOption) -> None:
    """Users with access to the app."""
    emit(_read(_target(app_name)), as_json, _render)


@app.command()
def add(emails: list[str] = typer.Argument(...), app_name: str = AppOption, as_json: bool = JsonOption) -> None:
    """Give users access."""
    target = _target(app_name)
    added = _emails(emails)
    emit(_write(target, [*_read(target), *added]), as_json, _render)


@app.command()
def remove(emails: list[str] = typer.Argument(...), app_name: str = AppOption, as_json: bool = JsonOption) -> None:
    """Take access away."""
    target = _target(app_name)
    current = _read(target)
    gone = set(_emails(emails))
    missing = sorted(gone - set(current))
    if missing:
        fail(f"no access to remove for {', '.join(missing)}", 1)
    emit(_write(target, [u for u in current if u not in gone]), as_json, _render)
