"""`orchestrator demo`: what `make demo` runs."""

from __future__ import annotations

from dataclasses import asdict

import typer

from orchestrator.cli.emulator import require_emulator_extra
from orchestrator.cli.output import JsonOption, app_key, console, emit, errors


def demo(
    app: str = typer.Option("demo", "-a", "--app", callback=app_key, help="Name of the demo app."),
    as_json: bool = JsonOption,
) -> None:
    """Start the embedded AWS and take the demo app from a git push to running, through the real handlers.
    Exit 0 when it is deployed. With --json, the progress goes to stderr and the result to stdout."""
    require_emulator_extra()
    from orchestrator.local.demo import run_demo

    result = run_demo(errors if as_json else console, app)
    emit(asdict(result), as_json, lambda d: None)
    raise typer.Exit(0 if result.ok else 1)
