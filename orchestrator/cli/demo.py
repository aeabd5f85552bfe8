"""`orchestrator demo`: what `make demo` runs."""

from __future__ import annotations

import typer

from orchestrator.cli.output import console


def demo(
    app: str = typer.Option("demo", "-a", "--app", help="Name of the demo app."),
) -> None:
    """Start the embedded AWS and take the demo app from a git push to running, through the real handlers."""
    from orchestrator.local.demo import run_demo

    raise typer.Exit(run_demo(console, app))
