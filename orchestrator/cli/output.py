"""How every command speaks: rich tables for people, --json for scripts, one-line errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console

from orchestrator.bounded_json import MAX_BYTES, JsonBoundsError, load_json
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
        with path.open("rb") as file:
            data = file.read(MAX_BYTES + 1)  # never more than the bound into memory
        return load_json(data, what=str(path))
    except OSError as error:
        fail(f"{path}: cannot read: {error.strerror}", 2)
    except JsonBoundsError as error:
        fail(str(error), 2)
