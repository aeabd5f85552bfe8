"""`orchestrator run -a APP -- COMMAND`: a one-off task from the app's current release, its logs, its exit code."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import typer

from orchestrator.cli.output import JsonOption, app_key, fail, warn
from orchestrator.cli.shell_syntax import shell_syntax

DEFAULT_INTERVAL = 2.0


def run(
    command: list[str] = typer.Argument(None, metavar="-- COMMAND [ARGS...]", help="The command (after --)."),
    app_name: str = typer.Option(
        ..., "-a", "--app", metavar="APP", callback=app_key, help="App name (or <pipeline>:<pr> for a review app)."
    ),
    shell: bool = typer.Option(False, "--shell", help="Run the command with sh -c (pipes, &&, $VARS)."),
    detach: bool = typer.Option(False, "--detach", "-d", help="Start the task, print its id and return."),
    interval: float = typer.Option(DEFAULT_INTERVAL, "--interval", min=0.1, help="Seconds between polls."),
    timeout: float | None = typer.Option(
        None, "--timeout", min=0, help="Give up waiting after this many seconds (exit 1; the task keeps running)."
    ),
    as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """Run a one-off command in a new task of the app's current release (AppPack's <app>-shell task
    definition when there is one), stream its logs and exit with the command's exit code. Without --shell
    the command runs as an argv: &&, |, $VAR reach the program as literal text."""
    from orchestrator.pipeline.one_off import OneOffError, follow_one_off, one_off_argv, start_one_off
    from orchestrator.pipeline.taskdefs import RuntimeInputsError

    words = list(command or [])
    if not shell:
        syntax = shell_syntax(" ".join(words))
        if syntax:
            warn(
                f"the command runs without a shell: {' '.join(syntax)} will be passed to the program as literal "
                "text; add --shell to run it with sh -c"
            )
    try:
        task = start_one_off(app_name, one_off_argv(words, shell=shell))
    except (OneOffError, RuntimeInputsError) as error:
        fail(str(error), 2)
    started = {"task_id": task.task_id, "task_arn": task.task_arn, "task_definition": task.task_definition,
               "log_group": task.log_group, "log_stream": task.log_stream}  # fmt: skip
    if detach:
        typer.echo(json.dumps(started, indent=2, sort_keys=True) if as_json else task.task_id)
        return
    if not as_json:
        typer.echo(f"Running {' '.join(words)} as task {task.task_id}", err=True)
    outcome = follow_one_off(task, _waiter(interval, timeout), None if as_json else typer.echo)
    if not outcome.stopped:
        fail(f"task {task.task_id} still running after {timeout:g}s (it keeps running)", 1)
    if as_json:
        result = {**started, "exit_code": outcome.exit_code, "stopped_reason": outcome.stopped_reason,
                  "output": outcome.output}  # fmt: skip
        typer.echo(json.dumps(result, indent=2, sort_keys=True))
    if outcome.exit_code is None:
        fail(f"task {task.task_id} stopped without running the command: {outcome.stopped_reason or 'no reason'}")
    raise typer.Exit(outcome.exit_code)


def _waiter(interval: float, timeout: float | None) -> Callable[[], bool]:
    deadline = None if timeout is None else time.monotonic() + timeout

    def wait() -> bool:
        if deadline is not None and time.monotonic() >= deadline:
            return False
        time.sleep(interval)
        return True

    return wait
