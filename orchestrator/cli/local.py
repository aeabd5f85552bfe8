"""`orchestrator local`: the embedded AWS (moto plus simulated services) on this machine."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from orchestrator.cli.emulator import require_emulator_extra, running_emulator, state_dir_of, use_emulator
from orchestrator.cli.output import JsonOption, console, emit, errors, fail, plain

app = typer.Typer(help="Run the orchestrator on this machine against an embedded AWS (moto).", no_args_is_help=True)

StateDirOption = typer.Option(
    None, "--state-dir", show_default=False,
    help="Where this emulator keeps its state (default: ORCHESTRATOR_LOCAL_STATE_DIR, else "
         "~/.local/state/orchestrator/local, whatever the current directory).",
)  # fmt: skip


def _exports(state: dict[str, Any]) -> str:
    """What `eval "$(orchestrator local up)"` runs: the only lines `local up` prints on stdout."""
    lines = [f"export AWS_ENDPOINT_URL={state['endpoint']}"]
    if state.get("function_role_arn"):
        # `bundle deploy` from this shell creates functions with the emulator's bundle-function role.
        lines.append(f"export ORCHESTRATOR_FUNCTION_ROLE_ARN={state['function_role_arn']}")
    return "\n".join(lines)


def _started(state: dict[str, Any], directory: Path, as_json: bool, note: str) -> None:
    if as_json:
        emit(state, True, lambda d: None)
        return
    errors.print(plain(f"{note} at {state['endpoint']} (pid {state['pid']}, state in {directory})"), highlight=False)
    typer.echo(_exports(state))


@app.command()
def up(
    state_dir: Path | None = StateDirOption,
    port: int = typer.Option(0, "--port", min=0, max=65535, help="Loopback port for moto (0: any free port)."),
    router_port: int = typer.Option(
        0, "--router-port", min=0, max=65535,
        help="Loopback port of the local router, http://<app>.localhost:<port> (0: any free port).",
    ),
    timeout: float = typer.Option(60.0, "--timeout", min=1, help="Seconds to wait for the emulator to be ready."),
    as_json: bool = JsonOption,
) -> None:
    """Start the emulator in the background (nothing to do when it runs). Prints only the export lines on
    stdout, so `eval "$(orchestrator local up)"` sets the endpoint in this shell."""
    require_emulator_extra()
    directory = state_dir_of(state_dir)
    state = running_emulator(directory)
    if state is not None:
        _started(state, directory, as_json, "emulator already running")
        return
    from orchestrator.local.daemon import start_in_background

    directory.mkdir(parents=True, exist_ok=True)
    (directory / "state.json").unlink(missing_ok=True)
    process = start_in_background(directory, port, router_port)
    deadline = time.monotonic() + timeout
    while (state := running_emulator(directory)) is None:
        if (code := process.exit_code()) is not None:
            fail(f"the emulator exited with code {code}; see {directory / 'emulator.log'}", 1)
        if time.monotonic() > deadline:
            process.terminate()
            fail(f"the emulator was not ready within {timeout:.0f}s; see {directory / 'emulator.log'}", 1)
        time.sleep(0.05)
    _started(state, directory, as_json, "emulator running")


@app.command()
def down(state_dir: Path | None = StateDirOption, as_json: bool = JsonOption) -> None:
    """Stop the emulator of the state directory and every app process it started (nothing to do when none runs)."""
    from orchestrator.local.daemon import PIDS_FILE
    from orchestrator.local.processes import stop_leftovers

    directory = state_dir_of(state_dir)
    state = running_emulator(directory)
    if state is None:
        (directory / "state.json").unlink(missing_ok=True)  # left by an emulator that was killed
        stop_leftovers(directory / PIDS_FILE)
        emit({"stopped": None}, as_json, lambda d: errors.print(plain(f"no emulator was running for {directory}")))
        return
    pid = int(state["pid"])
    from orchestrator.local.daemon import alive

    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if alive(pid):
        os.kill(pid, signal.SIGKILL)
    stop_leftovers(directory / PIDS_FILE)  # only what a killed emulator could not stop itself
    (directory / "state.json").unlink(missing_ok=True)
    emit({"stopped": pid}, as_json, lambda d: errors.print(plain(f"emulator stopped (pid {d['stopped']})")))


@app.command()
def status(state_dir: Path | None = StateDirOption, as_json: bool = JsonOption) -> None:
    """Whether an emulator runs for the state directory, and where (exit 1 when none runs)."""
    directory = state_dir_of(state_dir)
    state = running_emulator(directory)
    data = {"running": state is not None, "state_dir": str(directory), **(state or {})}

    def render(d: dict[str, Any]) -> None:
        if d["running"]:
            console.print(plain(f"running at {d['endpoint']} (pid {d['pid']}, state in {directory})"))
        else:
            console.print(plain(f"not running (state in {directory}); start it with `orchestrator local up`"))

    emit(data, as_json, render)
    if state is None:
        raise typer.Exit(1)


@app.command()
def register(
    name: str = typer.Argument(..., help="App (or pipeline) name."),
    kind: str = typer.Option("app", "--kind", help="app, or pipeline (review apps from pull requests)."),
    source: Path | None = typer.Option(
        None, "--source", metavar="DIR", show_default=False,
        help="A local folder with a Procfile: builds snapshot it and its processes run for real on this machine.",
    ),
    state_dir: Path | None = StateDirOption,
    as_json: bool = JsonOption,
) -> None:
    """Declare an app in the running emulator, as the AppStack would in AWS (again: nothing changes)."""
    from orchestrator.adapters.store import Store
    from orchestrator.local.apps import local_app, register_app
    from orchestrator.local.resources import find_network
    from orchestrator.pipeline import keys
    from orchestrator.pipeline.app_registry import RESERVED_APP_NAMES
    from orchestrator.pipeline.names import app_name_error
    from orchestrator.settings import configure

    if kind not in ("app", "pipeline"):
        fail(f"--kind must be app or pipeline, not {kind!r}", 2)
    if (invalid := app_name_error(name)) is not None:
        fail(invalid, 2)
    if name in RESERVED_APP_NAMES:
        fail(f"app name {name!r} is reserved (it is a path segment of the SSM layout)", 2)
    if source is not None and not (source / "Procfile").is_file():
        fail(f"--source {source}: not a folder with a Procfile", 2)
    use_emulator(state_dir)
    existing = Store().get(keys.app_pk(name), keys.SETTINGS_SK)
    if existing is not None and existing.get("kind", "app") != kind:
        fail(f"{name!r} is already registered as {'a pipeline' if existing.get('kind') == 'pipeline' else 'an app'}; "
             "its kind cannot change (register another name)", 2)  # fmt: skip
    network = find_network()
    if network is None:
        fail("no emulator networking found: is AWS_ENDPOINT_URL the emulator's (`orchestrator local up`)?", 1)
    configure(subnets=network.subnets, security_groups=network.security_groups)
    declaration = local_app(name, kind)  # type: ignore[arg-type]
    register_app(declaration)
    if source is not None:
        from orchestrator.local.local_sources import LocalSources

        LocalSources(state_dir_of(state_dir)).set(name, source)
    emit(
        {"app": name, "kind": kind, "codebuild_project": declaration.codebuild_project,
         "source": str(source.resolve()) if source is not None else None},
        as_json,
        lambda d: console.print(plain(f"registered {d['kind']} {d['app']} (CodeBuild project {d['codebuild_project']})"
                                      + (f", built from {d['source']}" if d["source"] else ""))),
    )  # fmt: skip


@app.command()
def run(
    scenario: str = typer.Argument(..., help="A shipped scenario name (see `local scenarios`) or a YAML file."),
    as_json: bool = JsonOption,
) -> None:
    """Run one scenario on a fresh emulator; exit 0 only when its expected outcome holds."""
    require_emulator_extra()
    from orchestrator.local.scenarios import ScenarioError, load_scenario, run_scenario
    from orchestrator.local.views import builds_table, deploystatus_panel

    try:
        loaded = load_scenario(scenario)
    except ScenarioError as error:
        fail(str(error), 2)
    if as_json:
        result = run_scenario(loaded)
    else:
        with console.status(plain(f"running scenario {loaded.name}…")):
            result = run_scenario(loaded)

    def render(data: dict[str, Any]) -> None:
        console.print(plain(f"scenario {data['scenario']} · {data['steps']} simulated steps"), style="bold")
        console.print(builds_table(list(reversed(data["builds"]))))
        console.print(deploystatus_panel(data["deploystatus"]))
        for phase, answers in (data.get("http") or {}).items():
            console.print(plain(f"requests {phase}: " + ", ".join(f"{k}: {n}" for k, n in answers.items())))
        if data["passed"]:
            console.print("✓ expected outcome holds", style="green")
        for failure in data["failures"]:
            console.print(plain(f"✗ {failure}"), style="red")

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
            table.add_row(plain(row["name"]), plain(row["description"]))
        console.print(table)

    emit(rows, as_json, render)
