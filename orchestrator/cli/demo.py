"""`orchestrator demo`: what `make demo` runs."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer

from orchestrator.cli.emulator import require_emulator_extra
from orchestrator.cli.output import JsonOption, app_key, console, emit, errors, fail


def demo(
    app: str = typer.Option("demo", "-a", "--app", callback=app_key, help="Name of the demo app."),
    stacks: Path | None = typer.Option(
        None, "--stacks", metavar="CDK_OUT",
        help="Deploy this synthesized cloud assembly (make synth: cdk.out) into the embedded AWS and run on "
        "what CloudFormation created; the app must be one of its apps (cdk.json declares 'demo').",
    ),
    as_json: bool = JsonOption,
) -> None:
    """Start the embedded AWS and take the demo app from a git push to running, through the real handlers.
    Exit 0 when it is deployed. With --json, the progress goes to stderr and the result to stdout."""
    require_emulator_extra()
    # Only rich and the views before run_demo prints its first line; the AWS SDK and moto load after it.
    from orchestrator.local.demo import run_demo

    if stacks is not None and not (stacks / "manifest.json").is_file():
        fail(f"{stacks} is not a synthesized cloud assembly (no manifest.json): run `make synth` first", 2)
    try:
        result = run_demo(errors if as_json else console, app, stacks)
    except Exception as error:
        # Loaded by run_demo by now: importing them before it would delay the first line by a second or two.
        from orchestrator.local.stack_deploy import StackDeployError, UnsupportedResourceError
        from orchestrator.local.stack_resources import StackAdoptionError

        if not isinstance(error, StackDeployError | UnsupportedResourceError | StackAdoptionError):
            raise
        fail(f"the stacks cannot run the demo: {error}")
    emit(asdict(result), as_json, lambda d: None)
    raise typer.Exit(0 if result.ok else 1)
