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
    """A time of day in UTC, for rows under a heading that gives the date and zone (`_day`)."""
    if not isinstance(seconds, int | float):
        return "-"
    return datetime.fromtimestamp(seconds, UTC).strftime("%H:%M:%S")


def when(seconds: Any) -> str:
    """A record's unix time with its date and zone (records, like cron schedules, are in UTC)."""
    if not isinstance(seconds, int | float) or isinstance(seconds, bool):
        return "-"
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _day(record: dict[str, Any]) -> str:
    start = (record.get("build") or {}).get("start")
    return datetime.fromtimestamp(start, UTC).strftime("%Y-%m-%d, times in UTC") if isinstance(start, int | float) else ""


def _duration(start: Any, end: Any) -> str:
    if isinstance(start, int | float) and isinstance(end, int | float):
        return f"{int(end - start)}s"
    return "-"


def _short_arn(arn: str) -> str:
    """`.../build/demo-build:0b1c2d3e-...` -> `demo-build:0b1c2d3e`; task and deployment ids likewise."""
    tail = arn.rsplit("/", 1)[-1]
    return tail[:19] if ":" in tail else tail[:12]


def build_status(record: dict[str, Any]) -> str:
    """One word for a build: the last phase that failed, a newer build that took its place, or the furthest
    it got."""
    for phase in RECORD_PHASES:
        if (record.get(phase) or {}).get("state") == "failed":
            return f"{phase} failed"
    if record.get("superseded_by"):
        return f"superseded by #{record['superseded_by']}"
    reached = [p for p in RECORD_PHASES if record.get(p)]
    if not reached:
        return "queued"
    last = reached[-1]
    state = record[last].get("state")
    if last == "deploy" and state == "succeeded":
        return "deployed"
    return f"{last} {state}"


def timeline(record: dict[str, Any], *, codebuild_phases: bool = False) -> Table:
    """A build record as a timeline of its record phases. CodeBuild's own phases follow, in a section of
    their own, when asked or when a CodeBuild-run phase failed (they say where)."""
    title = Text(
        f"build #{record.get('build_number')} of {record.get('app')}  ·  commit {str(record.get('commit', ''))[:12]}"
        f"  ·  {build_status(record)}"
    )
    day = _day(record)
    table = Table(title=title, title_justify="left", expand=False, caption=day or None, caption_justify="left")
    table.add_column("phase", no_wrap=True)
    table.add_column("state")
    table.add_column("start")
    table.add_column("end")
    table.add_column("took", justify="right")
    table.add_column("detail", overflow="fold")
    codebuild = record.get("codebuild_phases") or {}
    failed_build = any((record.get(p) or {}).get("state") == "failed" for p in ("build", "test", "finalize"))
    for phase in RECORD_PHASES:
        data = record.get(phase)
        if not data:
            table.add_row(phase, state_text(None), "", "", "", "")
            continue
        detail = data.get("error") or ", ".join(_short_arn(a) for a in data.get("arns", [])[:3])
        table.add_row(
            Text(phase, style="bold"), state_text(data.get("state")), _clock(data.get("start")),
            _clock(data.get("end")), _duration(data.get("start"), data.get("end")), Text(detail or ""),
        )  # fmt: skip
    if codebuild and (codebuild_phases or failed_build):
        # CodeBuild's own phases span build, test and finalize: listed apart, not nested under one of them.
        table.add_section()
        for name, cb in sorted(codebuild.items(), key=lambda kv: kv[1].get("start") or 0):
            status = (cb.get("status") or "running").lower()
            table.add_row(
                Text(f"codebuild {name}", style="dim"), Text(status, style="dim"), _clock(cb.get("start")),
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
                value = when(value)
            table.add_row(Text(key, style="bold"), Text(str(value)))
    processes = Table("process", "state", "cpu", "memory", "min", "max", "command", title=None)
    for process in status.get("processes", []) or []:
        processes.add_row(
            *(Text(str(process.get(k, ""))) for k in ("name", "state", "cpu", "memory", "min_processes",
                                                       "max_processes", "command"))
        )  # fmt: skip
    style = "red" if status.get("failed") else "green"
    return Panel(Group(table, processes), title="DEPLOYSTATUS", title_align="left", border_style=style)


PHASE_ICON_STYLE = {"started": ("…", "yellow"), "succeeded": ("✓", "green"), "failed": ("✗", "bold red")}


def _phase_marks(record: dict[str, Any]) -> Text:
    """One mark per record phase (✓ … ✗ ·), in order: six phases in the width of one column."""
    marks = Text()
    for phase in RECORD_PHASES:
        icon, style = PHASE_ICON_STYLE.get((record.get(phase) or {}).get("state") or "", ("·", "dim"))
        marks.append(icon, style=style)
    return marks


def builds_table(records: list[dict[str, Any]]) -> Table:
    """Builds, one line each, narrow enough for an 80-column terminal."""
    table = Table("#", "commit", "status", "phases", "started (UTC)")
    table.caption = "phases: " + " ".join(RECORD_PHASES)
    table.caption_justify = "left"
    for record in records:
        start = (record.get("build") or {}).get("start")
        table.add_row(
            str(record.get("build_number")), Text(str(record.get("commit", ""))[:8]), Text(build_status(record)),
            _phase_marks(record), when(start).removesuffix(" UTC")[:16],
        )  # fmt: skip
    return table
