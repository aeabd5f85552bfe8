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
    """List apps and pipelines."""
    rows = [
        {"name": i.get("name"), "kind": i.get("kind"), "codebuild_project": i.get("codebuild_project")}
        for i in operations.list_apps()
    ]

    def render(data: list[dict[str, object]]) -> None:
        table = Table("app", "kind", "CodeBuild project")
        for row in data:
            table.add_row(plain(row["name"]), plain(row["kind"]), plain(row["codebuild_project"]))
        console.print(table)

    emit(rows, as_json, render)
