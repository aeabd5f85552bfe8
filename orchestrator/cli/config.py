"""`orchestrator config`: the app's environment variables (SSM SecureStrings). Only writes SSM parameters."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from orchestrator.cli.lazy import lazy_module
from orchestrator.cli.output import AppOption, JsonOption, console, emit, fail, plain, read_json_file
from orchestrator.cli.parameter_errors import error_lines, errors_of

if TYPE_CHECKING:
    from orchestrator.adapters import operator as operations
    from orchestrator.parameters.names import Target
else:
    operations = lazy_module("orchestrator.adapters.operator")

app = typer.Typer(help="Config variables: SecureString parameters the tasks receive as secrets.", no_args_is_help=True)
VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$", re.ASCII)
# Parameter Store's Standard tier holds 4 KB per value; AWS refuses more only after the earlier names of a
# `config set` are written, so every value is checked before the first write.
MAX_VALUE_BYTES = 4096


def _variable(name: str) -> str:
    if not VARIABLE.match(name):
        fail(f"{name!r} is not a valid variable name (letters, digits and _, not starting with a digit)", 2)
    return name


def _checked(values: dict[str, str]) -> dict[str, str]:
    """Values Parameter Store will take: not empty, at most 4 KB. A one-line error (exit 2) otherwise."""
    for name, value in values.items():
        _variable(name)
        if value == "":
            fail(f"{name}: a config value cannot be empty in Parameter Store; remove it with `config unset {name}`", 2)
        size = len(value.encode())
        if size > MAX_VALUE_BYTES:
            fail(f"{name}: the value is {size} bytes; a Parameter Store value holds at most {MAX_VALUE_BYTES}", 2)
    return values


def _sources(target: Target) -> list[tuple[str, Target]]:
    """Where a target's effective config comes from, lowest precedence first: a review app inherits its
    pipeline's variables and overrides them with its own."""
    from orchestrator.parameters.names import Target

    if target.kind == "review_app":
        return [("pipeline", Target("pipeline", target.name)), ("review app", target)]
    return [(target.kind.replace("_", " "), target)]


@app.command("list")
def list_(
    app_name: str = AppOption,
    show_values: bool = typer.Option(False, "--show-values", help="Decrypt and show the values."),
    as_json: bool = JsonOption,
) -> None:
    """The app's effective config: each variable, where it comes from (values only with --show-values)."""
    target = operations.target_of(app_name)
    effective: dict[str, dict[str, Any]] = {}
    for source, where in _sources(target):
        for name, value in operations.config_list(where, with_values=show_values).items():
            effective[name] = {"source": source, **({"value": value} if show_values else {})}
    rejected = errors_of(operations.parameter_states(target), ["config"])

    def render(data: dict[str, dict[str, Any]]) -> None:
        table = Table("variable", "from", *(["value"] if show_values else []))
        for name, entry in sorted(data.items()):
            table.add_row(plain(name), entry["source"], *([plain(entry.get("value"))] if show_values else []))
        console.print(table)
        for line in error_lines(rejected):
            console.print(line)

    emit({"variables": effective, "errors": rejected}, as_json, lambda d: render(d["variables"]))


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
    operations.config_set(operations.target_of(app_name), _checked(values))
    emit(sorted(values), as_json, lambda d: console.print(plain(f"set {', '.join(d)}")))


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
    emit(sorted(variables), as_json, lambda d: console.print(plain(f"unset {', '.join(d)}")))


@app.command()
def export(app_name: str = AppOption, as_json: bool = JsonOption) -> None:
    """All variables with their values, as JSON (for `config import`)."""
    values = operations.config_list(operations.target_of(app_name), with_values=True)
    typer.echo(json.dumps(values, indent=2, sort_keys=True))


def _read_import(file: Path) -> dict[str, str]:
    """A JSON object (what `config export` prints; any `*.json` file) or a .env file; `-` reads stdin."""
    import io

    from dotenv import dotenv_values

    if file.suffix == ".json":
        data = read_json_file(file)
    else:
        name = "stdin" if str(file) == "-" else str(file)
        try:
            text = (sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()).decode()
        except OSError as error:
            fail(f"{name}: cannot read: {error.strerror}", 2)
        except UnicodeDecodeError as error:
            fail(f"{name}: not UTF-8 text ({error.reason} at byte {error.start})", 2)
        if not text.lstrip().startswith("{"):
            parsed = dotenv_values(stream=io.StringIO(text))
            bare = sorted(k for k, v in parsed.items() if v is None)
            if bare:
                fail(f"{name}: {', '.join(bare)}: expected NAME=value lines (a .env file) or a JSON object", 2)
            return {k: v for k, v in parsed.items() if v is not None}
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            fail(f"{name}: not valid JSON: {error.msg} at line {error.lineno}", 2)
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        fail(f"{file}: expected a JSON object of NAME: string value", 2)
    return data


@app.command("import")
def import_(
    file: Path = typer.Argument(..., help="A JSON object of NAME: value (what `config export` prints), a .env "
                                          "file, or - for stdin."),
    app_name: str = AppOption,
    as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """Set every variable of a JSON object or .env file (all are checked before any is written)."""
    data = _checked({_variable(k): v for k, v in _read_import(file).items()})
    if not data:
        fail(f"{file}: no variables to import", 2)
    operations.config_set(operations.target_of(app_name), data)
    emit(sorted(data), as_json, lambda d: console.print(f"imported {len(d)} variables"))
