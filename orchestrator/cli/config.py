"""`orchestrator config`: the app's environment variables (SSM SecureStrings). Only writes SSM parameters."""

from __future__ import annotations

import json
import re
from pathlib import Path

import typer
from rich.table import Table

from orchestrator.adapters import operator as operations
from orchestrator.cli.output import AppOption, JsonOption, console, emit, fail, read_json_file

app = typer.Typer(help="Config variables: SecureString parameters the tasks receive as secrets.", no_args_is_help=True)
VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _variable(name: str) -> str:
    if not VARIABLE.match(name):
        fail(f"{name!r} is not a valid variable name (letters, digits and _, not starting with a digit)", 2)
    return name


@app.command("list")
def list_(
    app_name: str = AppOption,
    show_values: bool = typer.Option(False, "--show-values", help="Decrypt and show the values."),
    as_json: bool = JsonOption,
) -> None:
    """The app's config variable names (values only with --show-values)."""
    values = operations.config_list(operations.target_of(app_name), with_values=show_values)

    def render(data: dict[str, str | None]) -> None:
        table = Table("variable", *(["value"] if show_values else []))
        for name, value in data.items():
            table.add_row(name, *([value or ""] if show_values else []))
        console.print(table)

    emit(values if show_values else sorted(values), as_json, lambda d: render(values))


@app.command()
def get(variable: str = typer.Argument(...), app_name: str = AppOption, as_json: bool = JsonOption) -> None:
    """Print one variable's value."""
    value = operations.config_get(operations.target_of(app_name), _variable(variable))
    emit({variable: value}, as_json, lambda d: typer.echo(value))


@app.command("set")
def set_(
    assignments: list[str] = typer.Argument(..., help="NAME=value pairs."),
    app_name: str = AppOption,
    as_json: bool = JsonOption,
) -> None:
    """Set variables; the orchestrator rolls the app's services when it sees the change."""
    values: dict[str, str] = {}
    for assignment in assignments:
        name, sep, value = assignment.partition("=")
        if not sep:
            fail(f"{assignment!r}: expected NAME=value", 2)
        values[_variable(name)] = value
    operations.config_set(operations.target_of(app_name), values)
    emit(sorted(values), as_json, lambda d: console.print(f"set {', '.join(d)}"))


@app.command()
def unset(variables: list[str] = typer.Argument(...), app_name: str = AppOption, as_json: bool = JsonOption) -> None:
    """Remove variables (none when one of them is not set)."""
    target = operations.target_of(app_name)
    names = [_variable(v) for v in variables]
    existing = operations.config_list(target, with_values=False)
    missing = sorted({n for n in names if n not in existing})
    if missing:
        fail(f"not set: {', '.join(missing)}; nothing was unset", 1)
    operations.config_unset(target, names)
    emit(sorted(variables), as_json, lambda d: console.print(f"unset {', '.join(d)}"))


@app.command()
def export(app_name: str = AppOption, as_json: bool = JsonOption) -> None:
    """All variables with their values, as JSON (for `config import`)."""
    values = operations.config_list(operations.target_of(app_name), with_values=True)
    typer.echo(json.dumps(values, indent=2, sort_keys=True))


@app.command("import")
def import_(
    file: Path = typer.Argument(..., help="A JSON object of NAME: value (what `config export` prints)."),
    app_name: str = AppOption,
    as_json: bool = JsonOption,
) -> None:
    """Set every variable of a JSON file."""
    data = read_json_file(file)
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        fail(f"{file}: expected a JSON object of NAME: string value", 2)
    operations.config_set(operations.target_of(app_name), {_variable(k): v for k, v in data.items()})
    emit(sorted(data), as_json, lambda d: console.print(f"imported {len(d)} variables"))
