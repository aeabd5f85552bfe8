"""How every command speaks: rich tables for people, --json for scripts, one-line errors.

Every user-provided or error string reaches the terminal as plain text (`plain`, `say_error`): rich would
otherwise read `[a-z]` or `[bold]X` in a value as markup and drop it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.text import Text

from orchestrator.bounded_json import MAX_BYTES, JsonBoundsError, load_json
from orchestrator.errors import UserError

# emoji=False: `:name:` in data (a command, a log line) stays as written, and rich's emoji table (a large
# module) is not loaded for every table.
console = Console(emoji=False)
errors = Console(stderr=True, soft_wrap=True, emoji=False)  # one-line errors are never wrapped

# An app key: an app or pipeline name, or <pipeline>:<pr> for a review app (the stacks' name rule; ASCII only).
APP_KEY = re.compile(r"^(?P<name>[a-z][a-z0-9-]{1,40})(?::(?P<pr>[1-9][0-9]{0,8}))?$", re.ASCII)


def app_key(value: str | None) -> str | None:
    """The one place an -a value is checked: a usage error (exit 2) before anything is read."""
    if value is None:
        return None
    if APP_KEY.match(value) is None:
        pipeline, sep, pr = value.partition(":")
        if sep and APP_KEY.match(pipeline):
            raise typer.BadParameter(f"{pr!r} is not a pull request number (review apps are <pipeline>:<N>, N ≥ 1)")
        raise typer.BadParameter(
            f"{value!r} is not an app name (lowercase letters, digits and -, 2-41 characters) "
            "or <pipeline>:<pull request number>"
        )
    return value


JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON instead of tables.", show_default=False)
AppOption = typer.Option(
    ..., "-a", "--app", metavar="APP", callback=app_key, help="App name (or <pipeline>:<pr> for a review app)."
)


def fail(message: str, code: int = 1) -> NoReturn:
    raise UserError(message, code)


def say_error(message: str, prefix: str = "error:") -> None:
    """One line on stderr: a red prefix, then the message exactly as given (never read as markup)."""
    errors.print(Text.assemble((prefix, "red"), " ", message), highlight=False)


def warn(message: str) -> None:
    say_error(message, "warning:")


def plain(value: Any) -> Text:
    """A table cell or line holding data: shown literally."""
    return Text("" if value is None else str(value))


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
