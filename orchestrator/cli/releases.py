"""`orchestrator releases`: the app's release history (every deploy, config change, resize and rollback)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table
from rich.text import Text

from orchestrator.cli.lazy import lazy_module
from orchestrator.cli.output import AppOption, JsonOption, console, emit, plain

if TYPE_CHECKING:
    from orchestrator.adapters import operator as operations
    from orchestrator.adapters import store as stores
    from orchestrator.local import views
    from orchestrator.pipeline import releases as release_records
    from orchestrator.pipeline import rollback_requests
else:
    operations = lazy_module("orchestrator.adapters.operator")
    stores = lazy_module("orchestrator.adapters.store")
    views = lazy_module("orchestrator.local.views")
    release_records = lazy_module("orchestrator.pipeline.releases")
    rollback_requests = lazy_module("orchestrator.pipeline.rollback_requests")

_STATUS_STYLE = {"deployed": "green", "failed": "red", "deploying": "yellow"}


def _table(rows: list[dict[str, Any]]) -> Table:
    table = Table(box=None, pad_edge=False)
    for column in ("version", "change", "build", "by", "when", "status"):
        table.add_column(column)
    for row in rows:
        status = Text(str(row["status"]), style=_STATUS_STYLE.get(str(row["status"]), ""))
        if row.get("error"):
            status.append(f" ({row['error']})", style="dim")
        table.add_row(
            f"v{row['version']}", plain(row["description"]), f"#{row['build_number']}", plain(row["caller"]),
            views.when(row["at"]), status,
        )  # fmt: skip
    return table


def releases(
    app_name: str = AppOption,
    limit: int = typer.Option(20, "--limit", "-n", min=1, max=500, help="How many releases, newest first."),
    as_json: bool = JsonOption,
) -> None:
    """The app's releases, newest first: every deploy, config change, resize and rollback."""
    operations.app_settings(app_name)
    rows = [r.model_dump(mode="json") for r in release_records.list_releases(stores.Store(), app_name, limit)]
    if not rows and not as_json:
        console.print(Text(f"{app_name} has no releases yet (a deploy records the first)", style="dim"))
        return
    emit(rows, as_json, lambda r: console.print(_table(r)))
    if not as_json:  # a refused rollback changed nothing, so it is no release: said under the table
        for refused in rollback_requests.refused_since(stores.Store(), app_name, rows[0]["at"] if rows else 0):
            line = f"rollback request {refused.request} refused: {refused.error}"
            console.print(Text(line, style="red"), highlight=False)

