"""Rich renderings shared by the CLI, the demo and `local run`: build records, DEPLOYSTATUS, timelines."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

RECORD_PHASES = ("build", "test", "finalize", "release", "postdeploy", "deploy")
STATE_STYLE = {"started": "yellow", "succeeded": "green", "failed": "bold red"}
STATE_ICON = {"started": "…", "succeeded": "✓", "failed": "✗"}


def state_text(state: str | None) -> Text:
    if not state:
        return Text("-", style="dim")
    return Text(f"{STATE_ICON.get(state, '')} {state}".strip(), style=STATE_STYLE.get(state, ""))


def _clock(seconds: Any) -> str:
    if not isinstance(seconds, int | float):
        return "-"
    return datetime.fromtimestamp(seconds, UTC).strftime("%H:%M:%S")


def _duration(start: Any, end: Any) -> str:
    if isinstance(start, int | float) and isinstance(end, int | float):
        return f"{int(end - start)}s"
    return "-"


def _short_arn(arn: str) -> str:
    """`.../build/demo-build:0b1c2d3e-...` -> `demo-build:0b1c2d3e`; task and deployment ids likewise."""
    tail = arn.rsplit("/", 1)[-1]
    return tail[:19] if ":" in tail else tail[:12]


def build_status(record: dict[str, Any]) -> str:
    """One word for a build: the last phase that failed, or the furthest it got."""
    for phase in RECORD_PHASES:
        if (record.get(phase) or {}).get("state") == "failed":
            return f"{phase} failed"
    reached = [p for p in RECORD_PHASES if record.get(p)]
    if not reached:
        return "queued"
    last = reached[-1]
    state = record[last].get("state")
    if last == "deploy" and state == "succeeded":
        return "deployed"
    return f"{last} {state}"


def timeline(record: dict[str, Any]) -> Table:
    """A build record as a timeline: each record phase, then CodeBuild's own phases under `build`."""
    title = (
        f"build #{record.get('build_number')} of {record.get('app')}  ·  commit {str(record.get('commit', ''))[:12]}"
    )
    table = Table(title=title, title_justify="left", expand=False)
    table.add_column("phase", no_wrap=True)
    table.add_column("state")
    table.add_column("start")
    table.add_column("end")
    table.add_column("took", justify="right")
    table.add_column("detail", overflow="fold")
    codebuild = record.get("codebuild_phases") or {}
    for phase in RECORD_PHASES:
        data = record.get(phase)
        if not data:
            table.add_row(phase, state_text(None), "", "", "", "")
            continue
        detail = data.get("error") or ", ".join(_short_arn(a) for a in data.get("arns", [])[:3])
        table.add_row(
            Text(phase, style="bold"), state_text(data.get("state")), _clock(data.get("start")),
            _clock(data.get("end")), _duration(data.get("start"), data.get("end")), detail or "",
        )  # fmt: skip
        if phase == "build":
            for name, cb in sorted(codebuild.items(), key=lambda kv: kv[1].get("start") or 0):
                status = (cb.get("status") or "running").lower()
                table.add_row(
                    Text(f"  └ {name}", style="dim"), Text(status, style="dim"), _clock(cb.get("start")),
                    _clock(cb.get("end")), _duration(cb.get("start"), cb.get("end")), "",
                )  # fmt: skip
    return table


def deploystatus_panel(status: dict[str, Any] | None) -> Panel:
    if not status:
        return Panel(Text("no DEPLOYSTATUS yet", style="dim"), title="DEPLOYSTATUS", title_align="left")
    table = Table.grid(padding=(0, 2))
    for key in ("phase", "build_number", "commit", "failed", "last_update"):
        if key in status:
            value = status[key]
            if key == "last_update":
                value = _clock(value)
            table.add_row(Text(key, style="bold"), str(value))
    processes = Table("process", "state", "cpu", "memory", "min", "max", "command", title=None)
    for process in status.get("processes", []) or []:
        processes.add_row(
            str(process.get("name")), str(process.get("state", "")), str(process.get("cpu", "")),
            str(process.get("memory", "")), str(process.get("min_processes", "")),
            str(process.get("max_processes", "")), str(process.get("command", "")),
        )  # fmt: skip
    style = "red" if status.get("failed") else "green"
    return Panel(Group(table, processes), title="DEPLOYSTATUS", title_align="left", border_style=style)


def builds_table(records: list[dict[str, Any]]) -> Table:
    table = Table("#", "commit", "status", *RECORD_PHASES, "started")
    for record in records:
        start = (record.get("build") or {}).get("start")
        table.add_row(
            str(record.get("build_number")), str(record.get("commit", ""))[:8], build_status(record),
            *[state_text((record.get(p) or {}).get("state")) for p in RECORD_PHASES], _clock(start),
        )  # fmt: skip
    return table
