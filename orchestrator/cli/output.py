"""How every command speaks: rich tables for people, --json for scripts, one-line errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console

from orchestrator.errors import UserError

console = Console()
errors = Console(stderr=True, soft_wrap=True)  # one-line errors are never wrapped

JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON instead of tables.")
AppOption = typer.Option(..., "-a", "--app", help="App name (or <pipeline>:<pr> for a review app).")


def fail(message: str, code: int = 1) -> NoReturn:
    raise UserError(message, code)


def emit(data: Any, as_json: bool, render: Callable[[Any], None]) -> None:
    if as_json:
        typer.echo(json.dumps(data, indent=2, sort_keys=True, default=str))
    else:
        render(data)


def read_json_file(path: Path) -> Any:
    """A JSON file's content; a one-line error (exit 2) when it cannot be read or is not JSON."""
    try:
        return json.loads(path.read_bytes())
    except OSError as error:
        fail(f"{path}: cannot read: {error.strerror}", 2)
    except json.JSONDecodeError as error:
        fail(f"{path}: not valid JSON: {error.msg} at line {error.lineno}", 2)
    except UnicodeDecodeError as error:
        fail(f"{path}: not valid JSON: not UTF-8 text ({error.reason} at byte {error.start})", 2)
