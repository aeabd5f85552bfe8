"""`orchestrator apps`: the apps and pipelines this orchestrator manages (one Query on the app index)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from orchestrator.cli.lazy import lazy_module
from orchestrator.cli.output import JsonOption, console, emit, plain

if TYPE_CHECKING:
    from orchestrator.adapters import operator as operations
else:
    operations = lazy_module("orchestrator.adapters.operator")


def apps(as_json: bool = JsonOption) -> None:
    """List apps and pipelines, with the URL of each app that serves web traffic."""
    from orchestrator.cli.urls import router_port, url_of

    port = router_port()
    rows = [
        {"name": i.get("name"), "kind": i.get("kind"), "codebuild_project": i.get("codebuild_project"),
         "url": url_of(str(i.get("name")), port)}
        for i in operations.list_apps()
    ]  # fmt: skip

    def render(data: list[dict[str, object]]) -> None:
        table = Table("app", "kind", "CodeBuild project", "url")
        for row in data:
            table.add_row(plain(row["name"]), plain(row["kind"]), plain(row["codebuild_project"]),
                          plain(row["url"] or "-"))  # fmt: skip
        console.print(table)

    emit(rows, as_json, render)
