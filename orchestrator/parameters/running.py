"""What an app runs now, from its items as stored: the pipeline's DEPLOYED item, the rollout record of the
parameter changes rolled out since (`PARAMETERS#rollout`) and DEPLOYSTATUS's sizes. Plain dicts and
dataclasses, no pydantic and no AWS: `Rollout.running` (the parameter handlers) and `ps` both use it.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

ROLLOUT_SK = "PARAMETERS#rollout"


@dataclass(frozen=True)
class DeployedProcess:
    """A process of DEPLOYSTATUS (sizes as ints)."""

    name: str
    cpu: int | None = None
    memory: int | None = None
    min_processes: int | None = None
    max_processes: int | None = None
    command: Any = None


@dataclass(frozen=True)
class ProcessNow:
    """A process type as it runs now."""

    process: str
    service: str
    command: str
    cpu: int
    memory: int
    task_definition: str | None = None


@dataclass(frozen=True)
class RunningApp:
    build_number: int
    processes: dict[str, ProcessNow]


def _int_or_none(value: Any) -> int | None:
    """DEPLOYSTATUS holds cpu and memory as strings (AppPack's `Process`)."""
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def deployed_processes(status: Mapping[str, Any] | None) -> list[DeployedProcess]:
    """The processes of a DEPLOYSTATUS value."""
    found = []
    for raw in (status or {}).get("processes") or []:
        if isinstance(raw, dict) and raw.get("name"):
            found.append(
                DeployedProcess(
                    name=str(raw["name"]),
                    cpu=_int_or_none(raw.get("cpu")),
                    memory=_int_or_none(raw.get("memory")),
                    min_processes=raw.get("min_processes"),
                    max_processes=raw.get("max_processes"),
                    command=raw.get("command"),
                )
            )
    return found


def command_text(raw: Any) -> str:
    if isinstance(raw, list):
        return shlex.join(str(a) for a in raw)
    return str(raw or "")


def running_app(
    deployed: Mapping[str, Any] | None,
    rolled: Mapping[str, Any] | None,
    status: Mapping[str, Any] | None,
    *,
    service_name: Callable[[str], str],
    default_cpu: int,
    default_memory: int,
) -> RunningApp | None:
    """The deployed build and its processes (DEPLOYED, then what the parameter changes rolled out for the same
    build, then DEPLOYSTATUS's sizes of that build, then the task definition's defaults); None when the app
    has never deployed."""
    number = (deployed or {}).get("build_number")
    if deployed is None or number is None:
        return None
    build_number = int(number)
    rolled = rolled or {}
    mine: Mapping[str, Any] = rolled.get("processes") or {} if rolled.get("build_number") == build_number else {}
    status_build = (status or {}).get("build_number")
    sizes = {p.name: p for p in deployed_processes(status)} if status_build == build_number else {}
    processes = {}
    for name, raw in sorted((deployed.get("processes") or {}).items()):
        entry = mine.get(name) or {}
        size = sizes.get(name)
        processes[name] = ProcessNow(
            process=name,
            service=service_name(name),
            command=command_text(raw.get("command")),
            cpu=int(entry.get("cpu") or (size.cpu if size else None) or default_cpu),
            memory=int(entry.get("memory") or (size.memory if size else None) or default_memory),
            task_definition=entry.get("task_definition") or raw.get("task_definition"),
        )
    return RunningApp(build_number, processes)
