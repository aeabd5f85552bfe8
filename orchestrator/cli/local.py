"""`orchestrator local`: the embedded AWS (moto plus simulated services) on this machine."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from orchestrator.cli.output import JsonOption, console, emit, fail
from orchestrator.local.daemon import DEFAULT_STATE_DIR, alive, read_state, state_path
from orchestrator.local.resources import FUNCTION_ROLE_ARN

app = typer.Typer(help="Run the orchestrator on this machine against an embedded AWS (moto).", no_args_is_help=True)

StateDirOption = typer.Option(
    DEFAULT_STATE_DIR, "--state-dir", envvar="ORCHESTRATOR_LOCAL_STATE_DIR", help="Where this emulator keeps its state."
)


@app.command()
def up(
    state_dir: Path = StateDirOption,
    port: int = typer.Option(0, "--port", help="Loopback port for moto (0: any free port)."),
    timeout: float = typer.Option(60.0, "--timeout", help="Seconds to wait for the emulator to be ready."),
    as_json: bool = JsonOption,
) -> None:
    """Start the emulator in the background; prints the endpoint to export as AWS_ENDPOINT_URL."""
    state = read_state(state_dir)
    if state and alive(int(state["pid"])):
        fail(f"an emulator is already running for {state_dir} at {state['endpoint']} (pid {state['pid']})", 1)
    state_dir.mkdir(parents=True, exist_ok=True)
    state_path(state_dir).unlink(missing_ok=True)
    log = (state_dir / "emulator.log").open("a")
    process = subprocess.Popen(
        [sys.executable, "-m", "orchestrator.local.daemon", "--state-dir", str(state_dir), "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = read_state(state_dir)
        if state is not None:
            break
        if process.poll() is not None:
            fail(f"the emulator exited with code {process.returncode}; see {state_dir / 'emulator.log'}", 1)
        time.sleep(0.2)
    else:
        process.terminate()
        fail(f"the emulator was not ready within {timeout:.0f}s; see {state_dir / 'emulator.log'}", 1)

    def render(data: dict[str, Any]) -> None:
        console.print(f"emulator running at [bold]{data['endpoint']}[/] (pid {data['pid']}, state in {state_dir})")
        console.print(f"export AWS_ENDPOINT_URL={data['endpoint']}", highlight=False, soft_wrap=True)
        # `bundle deploy` from this shell creates functions with the emulator's bundle-function role.
        console.print(f"export ORCHESTRATOR_FUNCTION_ROLE_ARN={FUNCTION_ROLE_ARN}", highlight=False, soft_wrap=True)

    emit(state, as_json, render)


@app.command()
def down(state_dir: Path = StateDirOption, as_json: bool = JsonOption) -> None:
    """Stop the emulator of this state directory."""
    state = read_state(state_dir)
    if state is None:
        fail(f"no emulator is running for {state_dir}", 1)
    pid = int(state["pid"])
    if alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    state_path(state_dir).unlink(missing_ok=True)
    emit({"stopped": pid}, as_json, lambda d: console.print(f"emulator stopped (pid {d['stopped']})"))


@app.command()
def status(state_dir: Path = StateDirOption, as_json: bool = JsonOption) -> None:
    """Whether an emulator runs for this state directory, and where."""
    state = read_state(state_dir)
    running = bool(state and alive(int(state["pid"])))
    data = {"running": running, **(state or {})}

    def render(d: dict[str, Any]) -> None:
        if d["running"]:
            console.print(f"running at [bold]{d['endpoint']}[/] (pid {d['pid']})")
        else:
            console.print("not running")

    emit(data, as_json, render)
    if not running:
        raise typer.Exit(1)


@app.command()
def register(
    name: str = typer.Argument(..., help="App (or pipeline) name."),
    kind: str = typer.Option("app", "--kind", help="app, or pipeline (review apps from pull requests)."),
    as_json: bool = JsonOption,
) -> None:
    """Declare an app in the running emulator, as the AppStack would in AWS."""
    from orchestrator.local.apps import local_app, register_app
    from orchestrator.local.resources import find_network
    from orchestrator.pipeline.names import app_name_error
    from orchestrator.settings import configure

    if kind not in ("app", "pipeline"):
        fail(f"--kind must be app or pipeline, not {kind!r}", 2)
    if (invalid := app_name_error(name)) is not None:
        fail(invalid, 2)
    network = find_network()
    if network is None:
        fail("no emulator networking found: is AWS_ENDPOINT_URL the emulator's (`orchestrator local up`)?", 1)
    configure(subnets=network.subnets, security_groups=network.security_groups)
    declaration = local_app(name, kind)  # type: ignore[arg-type]
    register_app(declaration)
    emit(
        {"app": name, "kind": kind, "codebuild_project": declaration.codebuild_project},
        as_json,
        lambda d: console.print(
            f"registered {d['kind']} [bold]{d['app']}[/] (CodeBuild project {d['codebuild_project']})"
        ),
    )


@app.command()
def run(
    scenario: str = typer.Argument(..., help="A shipped scenario name (see `local scenarios`) or a YAML file."),
    as_json: bool = JsonOption,
) -> None:
    """Run one scenario on a fresh emulator; exit 0 only when its expected outcome holds."""
    from orchestrator.local.scenarios import ScenarioError, load_scenario, run_scenario
    from orchestrator.local.views import builds_table, deploystatus_panel

    try:
        loaded = load_scenario(scenario)
    except ScenarioError as error:
        fail(str(error), 2)
    if as_json:
        result = run_scenario(loaded)
    else:
        with console.status(f"running scenario {loaded.name}…"):
            result = run_scenario(loaded)

    def render(data: dict[str, Any]) -> None:
        console.print(f"[bold]scenario {data['scenario']}[/] · {data['steps']} simulated steps")
        console.print(builds_table(list(reversed(data["builds"]))))
        console.print(deploystatus_panel(data["deploystatus"]))
        if data["passed"]:
            console.print("[green]✓ expected outcome holds[/]")
        for failure in data["failures"]:
            console.print(f"[red]✗ {failure}[/]", highlight=False)

    emit(result.model_dump(mode="json"), as_json, render)
    if not result.passed:
        raise typer.Exit(1)


@app.command()
def scenarios(as_json: bool = JsonOption) -> None:
    """List the shipped scenarios."""
    from orchestrator.local.scenarios import load_scenario, shipped_scenarios

    rows = [{"name": n, "description": load_scenario(n).description} for n in shipped_scenarios()]

    def render(data: list[dict[str, str]]) -> None:
        table = Table("scenario", "what it shows")
        for row in data:
            table.add_row(row["name"], row["description"])
        console.print(table)

    emit(rows, as_json, render)
