"""`orchestrator apps`: the apps and pipelines this orchestrator manages (one Query on the app index)."""

from __future__ import annotations

from rich.table import Table

from orchestrator.adapters import operator as operations
from orchestrator.cli.output import JsonOption, console, emit


def apps(as_json: bool = JsonOption) -> None:
    """List apps and pipelines."""
    rows = [
        {"name": i.get("name"), "kind": i.get("kind"), "codebuild_project": i.get("codebuild_project")}
        for i in operations.list_apps()
    ]

    def render(data: list[dict[str, object]]) -> None:
        table = Table("app", "kind", "CodeBuild project")
        for row in data:
            table.add_row(str(row["name"]), str(row["kind"]), str(row["codebuild_project"]))
        console.print(table)

    emit(rows, as_json, render)
