"""`orchestrator ps`: processes, their size and count. scale/resize only write the scaling parameter."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table
from rich.text import Text

from orchestrator.cli.lazy import lazy_module
from orchestrator.cli.output import JsonOption, app_key, console, emit, fail, plain
from orchestrator.cli.parameter_errors import error_lines, errors_of
from orchestrator.cli.sizes import SizeError, parse_count, parse_cpu, parse_memory

if TYPE_CHECKING:
    from orchestrator.adapters import operator as operations
    from orchestrator.local import views
else:
    operations = lazy_module("orchestrator.adapters.operator")
    views = lazy_module("orchestrator.local.views")

app = typer.Typer(help="Processes: status, scale, resize, restart.", invoke_without_command=True)
AppOption = typer.Option(None, "-a", "--app", metavar="APP", callback=app_key, help="App name (or <pipeline>:<pr> for a review app).")
SCALING = "scaling"


def _current(app_name: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    from orchestrator.parameters.names import ParameterKind

    scaling = operations.read_json_parameter(operations.target_of(app_name), ParameterKind.SCALING) or {}
    return scaling, operations.deploystatus(app_name)


def _process_defaults(status: dict[str, Any] | None, process: str) -> dict[str, Any]:
    for entry in (status or {}).get("processes", []) or []:
        if entry.get("name") == process:
            # DEPLOYSTATUS holds cpu and memory as strings (AppPack's `Process`); the scaling parameter, ints.
            return {k: int(entry[k]) for k in ("cpu", "memory", "min_processes", "max_processes") if k in entry}
    return {"cpu": 256, "memory": 512, "min_processes": 1, "max_processes": 1}


def _write(app_name: str, scaling: dict[str, Any], status: dict[str, Any] | None) -> None:
    from orchestrator.parameters.names import ParameterKind
    from orchestrator.parameters.scaling import InvalidParameterError, parse_scaling

    known = [p["name"] for p in (status or {}).get("processes", []) or []] or None
    try:
        parse_scaling(json.dumps(scaling), known)
    except InvalidParameterError as error:
        fail(str(error), 2)
    operations.write_json_parameter(operations.target_of(app_name), ParameterKind.SCALING, scaling)


@app.callback()
def ps(ctx: typer.Context, app_name: str | None = AppOption, as_json: bool = JsonOption) -> None:
    """The app's processes as they run now (ECS), its deploy, and any scaling value the orchestrator rejected."""
    ctx.obj = {"app": app_name}
    if ctx.invoked_subcommand is not None:
        return
    from orchestrator.adapters.store import PrefetchedStore
    from orchestrator.cli.urls import router_port, url_of
    from orchestrator.parameters.names import ParameterKind
    from orchestrator.parameters.process_views import processes
    from orchestrator.parameters.state import ParameterStates

    app_name = _app(ctx, None)
    store = PrefetchedStore(_shown_items(app_name))  # one BatchGetItem for every item below
    target = operations.target_of(app_name, store)
    data = {
        "url": url_of(app_name, router_port(), store),
        "processes": [asdict(view) for view in processes(app_name, live=True, store=store)],
        "deploystatus": operations.deploystatus(app_name, store),
        "parameter_errors": errors_of({SCALING: ParameterStates(store).get(target, ParameterKind.SCALING) or {}}, [SCALING]),
    }
    if as_json:  # the parameter's raw value is part of the JSON; the table shows what runs
        data["scaling"] = operations.read_json_parameter(target, ParameterKind.SCALING) or {}
    emit(data, as_json, _render)


def _shown_items(app_name: str) -> list[tuple[str, str]]:
    """The keys of the app's fixed items that `ps` reads: its settings (a review app's: its pipeline's), what
    `processes` reads (CONFIG#ecs, DEPLOYSTATUS, DEPLOYED, the rollout and scaling records) and the web route."""
    from orchestrator.parameters.process_views import process_view_keys
    from orchestrator.pipeline import keys

    settings_key = (keys.app_pk(app_name.partition(":")[0]), keys.SETTINGS_SK)
    return [settings_key, *process_view_keys(app_name), (keys.app_pk(app_name), keys.ROUTE_SK)]


def _app(ctx: typer.Context, given: str | None) -> str:
    app_name = given or (ctx.obj or {}).get("app")
    if not app_name:
        fail("missing option -a/--app", 2)
    return str(app_name)


def _render(data: dict[str, Any]) -> None:
    status = data["deploystatus"] or {}
    if data.get("url"):
        console.print(Text.assemble(("web ", "bold"), data["url"]))
    if not data["processes"]:
        console.print(views.deploystatus_panel(data["deploystatus"]))
    else:
        # One table: what runs now (the deploy plus the config and scaling changes rolled out since, as ECS
        # reports it) with DEPLOYSTATUS's state of each process.
        table = Table("process", "state", "running", "autoscaling", "cpu", "memory", "task definition", "command")
        for view in data["processes"]:
            autoscaling = view["autoscaling"]
            table.add_row(
                plain(view["name"]), plain(view["state"] or "-"),
                plain(view["desired_count"] if view["desired_count"] is not None else "-"),
                f"{autoscaling[0]}-{autoscaling[1]}" if autoscaling else "off", str(view["cpu"]), str(view["memory"]),
                plain((view["task_definition"] or "-").rsplit("/", 1)[-1]), plain(view["command"]),
            )  # fmt: skip
        console.print(table)
        deployed = (
            f"build #{status.get('build_number')} (commit {str(status.get('commit', ''))[:12]}) · "
            f"{status.get('phase', '-')} · updated {views.when(status.get('last_update'))}"
        )
        console.print(Text(deployed, style="red" if status.get("failed") else "dim"))
    for line in error_lines(data["parameter_errors"]):
        console.print(line)


@app.command()
def scale(
    ctx: typer.Context,
    process: str = typer.Argument(..., help="Process type (web, worker...)."),
    count: str = typer.Argument(..., help="A count (2; 0 stops the process type), or min-max for autoscaling (1-4)."),
    app_name: str | None = AppOption,
    as_json: bool = JsonOption,
) -> None:
    """Set how many processes run (min-max turns on autoscaling, 0 scales to zero)."""
    app_name = _app(ctx, app_name)
    try:
        low, high = parse_count(count)
    except SizeError as error:
        fail(str(error), 2)
    scaling, status = _current(app_name)
    entry = {
        **_process_defaults(status, process),
        **scaling.get(process, {}),
        "min_processes": low,
        "max_processes": high,
    }
    scaling = {**scaling, process: entry}
    _write(app_name, scaling, status)
    emit(
        scaling,
        as_json,
        lambda d: console.print(plain(f"{process}: {low if low == high else f'{low}-{high}'} processes")),
    )


@app.command()
def resize(
    ctx: typer.Context,
    process: str = typer.Argument(..., help="Process type."),
    cpu: str | None = typer.Option(None, "--cpu", help="vCPUs (0.25, 0.5, 1, 2, 4…) or cpu units (256 = 1/4 vCPU)."),
    memory: str | None = typer.Option(None, "--memory", help="Memory: 512M, 1G, 2GB, or MiB (2048)."),
    app_name: str | None = AppOption,
    as_json: bool = JsonOption,
) -> None:
    """Change a process type's CPU and memory (a Fargate size)."""
    app_name = _app(ctx, app_name)
    if cpu is None and memory is None:
        fail("give --cpu, --memory or both", 2)
    try:
        units = parse_cpu(cpu) if cpu is not None else None
        mib = parse_memory(memory) if memory is not None else None
    except SizeError as error:
        fail(str(error), 2)
    scaling, status = _current(app_name)
    entry = {**_process_defaults(status, process), **scaling.get(process, {})}
    if units is not None:
        entry["cpu"] = units
    if mib is not None:
        entry["memory"] = mib
    scaling = {**scaling, process: entry}
    _write(app_name, scaling, status)
    emit(
        scaling,
        as_json,
        lambda d: console.print(plain(f"{process}: cpu {entry['cpu']} units, memory {entry['memory']} MiB")),
    )


@app.command()
def restart(
    ctx: typer.Context,
    process: list[str] = typer.Argument(None, help="Process types (default: all)."),
    app_name: str | None = AppOption,
    as_json: bool = JsonOption,
) -> None:
    """Replace every running task (a new ECS deployment of the same task definition)."""
    app_name = _app(ctx, app_name)
    operations.app_settings(app_name)  # an unknown app says so, not "no deployed processes"
    status = operations.deploystatus(app_name)
    running = [p["name"] for p in (status or {}).get("processes", []) or []]
    if not running:
        fail(f"{app_name} has no deployed processes yet", 1)
    unknown = sorted(set(process or []) - set(running))
    if unknown:
        fail(f"unknown process type {', '.join(unknown)} (running: {', '.join(running)})", 2)
    restarted = operations.restart(app_name, process or running)
    emit(restarted, as_json, lambda d: console.print(plain(f"restarting {', '.join(d)}")))
