"""`orchestrator ps`: processes, their size and count. scale/resize only write the scaling parameter."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from typing import Any

import typer
from rich.table import Table

from orchestrator.adapters import operator as operations
from orchestrator.cli.output import JsonOption, console, emit, fail
from orchestrator.local.views import deploystatus_panel
from orchestrator.parameters.names import ParameterKind
from orchestrator.parameters.queries import processes
from orchestrator.parameters.scaling import InvalidParameterError, parse_scaling

app = typer.Typer(help="Processes: status, scale, resize, restart.", invoke_without_command=True)
AppOption = typer.Option(None, "-a", "--app", help="App name (or <pipeline>:<pr> for a review app).")
COUNT = re.compile(r"^(?P<min>\d+)(?:-(?P<max>\d+))?$")


def _current(app_name: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    scaling = operations.read_json_parameter(operations.target_of(app_name), ParameterKind.SCALING) or {}
    return scaling, operations.deploystatus(app_name)


def _process_defaults(status: dict[str, Any] | None, process: str) -> dict[str, Any]:
    for entry in (status or {}).get("processes", []) or []:
        if entry.get("name") == process:
            return {k: entry[k] for k in ("cpu", "memory", "min_processes", "max_processes") if k in entry}
    return {"cpu": 256, "memory": 512, "min_processes": 1, "max_processes": 1}


def _write(app_name: str, scaling: dict[str, Any], status: dict[str, Any] | None) -> None:
    known = [p["name"] for p in (status or {}).get("processes", []) or []] or None
    try:
        parse_scaling(json.dumps(scaling), known)
    except InvalidParameterError as error:
        fail(str(error), 2)
    operations.write_json_parameter(operations.target_of(app_name), ParameterKind.SCALING, scaling)


@app.callback()
def ps(ctx: typer.Context, app_name: str | None = AppOption, as_json: bool = JsonOption) -> None:
    """The app's processes: DEPLOYSTATUS, what runs now (live from ECS) and the scaling parameter."""
    ctx.obj = {"app": app_name}
    if ctx.invoked_subcommand is not None:
        return
    app_name = _app(ctx, None)
    scaling, status = _current(app_name)
    running = [asdict(view) for view in processes(app_name, live=True)]
    emit({"processes": running, "deploystatus": status, "scaling": scaling}, as_json, lambda d: _render(d))


def _app(ctx: typer.Context, given: str | None) -> str:
    app_name = given or (ctx.obj or {}).get("app")
    if not app_name:
        fail("missing option -a/--app", 2)
    return str(app_name)


def _render(data: dict[str, Any]) -> None:
    console.print(deploystatus_panel(data["deploystatus"]))
    if data["processes"]:
        # What runs now: the deploy plus the config and scaling changes rolled out since, as ECS reports it.
        table = Table(
            "process", "running", "autoscaling", "cpu", "memory", "task definition", "command",
            title="processes (live)", title_justify="left",
        )  # fmt: skip
        for view in data["processes"]:
            autoscaling = view["autoscaling"]
            table.add_row(
                view["name"], str(view["desired_count"] if view["desired_count"] is not None else "-"),
                f"{autoscaling[0]}-{autoscaling[1]}" if autoscaling else "off", str(view["cpu"]), str(view["memory"]),
                (view["task_definition"] or "-").rsplit("/", 1)[-1], view["command"],
            )  # fmt: skip
        console.print(table)
    if data["scaling"]:
        table = Table("process", "cpu", "memory", "min", "max", title="scaling parameter", title_justify="left")
        for name, spec in sorted(data["scaling"].items()):
            table.add_row(name, *(str(spec.get(k, "")) for k in ("cpu", "memory", "min_processes", "max_processes")))
        console.print(table)


@app.command()
def scale(
    ctx: typer.Context,
    process: str = typer.Argument(..., help="Process type (web, worker...)."),
    count: str = typer.Argument(..., help="A count (2), or min-max for autoscaling (1-4)."),
    app_name: str | None = AppOption,
    as_json: bool = JsonOption,
) -> None:
    """Set how many processes run (min-max turns on autoscaling)."""
    app_name = _app(ctx, app_name)
    found = COUNT.match(count)
    if found is None:
        fail(f"{count!r}: expected a number or min-max", 2)
    low = int(found["min"])
    high = int(found["max"] or low)
    scaling, status = _current(app_name)
    entry = {
        **_process_defaults(status, process),
        **scaling.get(process, {}),
        "min_processes": low,
        "max_processes": high,
    }
    scaling = {**scaling, process: entry}
    _write(app_name, scaling, status)
    emit(scaling, as_json, lambda d: console.print(f"{process}: {low if low == high else f'{low}-{high}'} processes"))


@app.command()
def resize(
    ctx: typer.Context,
    process: str = typer.Argument(..., help="Process type."),
    cpu: int | None = typer.Option(None, "--cpu", help="CPU units (256 = 1/4 vCPU)."),
    memory: int | None = typer.Option(None, "--memory", help="Memory in MiB."),
    app_name: str | None = AppOption,
    as_json: bool = JsonOption,
) -> None:
    """Change a process type's CPU and memory (a Fargate size)."""
    app_name = _app(ctx, app_name)
    if cpu is None and memory is None:
        fail("give --cpu, --memory or both", 2)
    scaling, status = _current(app_name)
    entry = {**_process_defaults(status, process), **scaling.get(process, {})}
    if cpu is not None:
        entry["cpu"] = cpu
    if memory is not None:
        entry["memory"] = memory
    scaling = {**scaling, process: entry}
    _write(app_name, scaling, status)
    emit(scaling, as_json, lambda d: console.print(f"{process}: cpu {entry['cpu']}, memory {entry['memory']} MiB"))


@app.command()
def restart(
    ctx: typer.Context,
    process: list[str] = typer.Argument(None, help="Process types (default: all)."),
    app_name: str | None = AppOption,
    as_json: bool = JsonOption,
) -> None:
    """Replace every running task (a new ECS deployment of the same task definition)."""
    app_name = _app(ctx, app_name)
    status = operations.deploystatus(app_name)
    running = [p["name"] for p in (status or {}).get("processes", []) or []]
    if not running:
        fail(f"{app_name} has no deployed processes", 1)
    unknown = sorted(set(process or []) - set(running))
    if unknown:
        fail(f"unknown process type {', '.join(unknown)} (running: {', '.join(running)})", 2)
    restarted = operations.restart(app_name, process or running)
    emit(restarted, as_json, lambda d: console.print(f"restarting {', '.join(d)}"))
