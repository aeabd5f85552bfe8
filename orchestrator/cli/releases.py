"""`orchestrator releases` and `orchestrator rollback`: the app's release history, and returning to one."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table
from rich.text import Text

from orchestrator.cli.lazy import lazy_module
from orchestrator.cli.output import AppOption, JsonOption, console, emit, fail, plain

if TYPE_CHECKING:
    from orchestrator.adapters import operator as operations
    from orchestrator.adapters import store as stores
    from orchestrator.local import views
    from orchestrator.pipeline import releases as release_records
    from orchestrator.pipeline import rollback as rollbacks
else:
    operations = lazy_module("orchestrator.adapters.operator")
    stores = lazy_module("orchestrator.adapters.store")
    views = lazy_module("orchestrator.local.views")
    release_records = lazy_module("orchestrator.pipeline.releases")
    rollbacks = lazy_module("orchestrator.pipeline.rollback")

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


def rollback(
    version: str | None = typer.Argument(
        None, metavar="[VERSION]", help="Release to return to, e.g. v3 or 3 (default: the newest earlier one that deployed)."
    ),
    app_name: str = AppOption,
    wait: bool = typer.Option(True, "--wait/--no-wait", help="Follow the rollout until it ends."),
    timeout: float = typer.Option(900.0, "--timeout", min=0, help="With --wait: give up after this many seconds."),
    interval: float = typer.Option(2.0, "--interval", min=0.1, help="With --wait: seconds between reads."),
    as_json: bool = JsonOption,
) -> None:
    """Put an earlier release's task definitions back on every service and scheduled task (no rebuild).
    Rerun after an interruption, the same rollback resumes where it stopped."""
    number = _version(version)
    operations.app_settings(app_name)
    deps = rollbacks.RollbackDeps()
    try:
        plan = rollbacks.rollback_target(app_name, number, deps)
    except rollbacks.RollbackRefusedError as error:
        fail(f"rollback refused: {error}", 1)
    target = plan.target
    release = rollbacks.start_rollback(app_name, target, plan.request_id, operations.caller_identity(), deps)
    if wait:
        deadline = time.monotonic() + timeout
        with (
            console.status(Text(f"v{release.version}: rolling back to v{target.version}…"), spinner="dots")
            if not as_json
            else _Quiet()
        ):
            while release.status == "deploying" and time.monotonic() < deadline:
                time.sleep(interval)
                release = release_records.get_release(deps.store, app_name, release.version) or release
    data = release.model_dump(mode="json")
    emit(data, as_json, lambda r: console.print(_table([r])))
    if release.status == "failed":
        fail(f"rollback to v{target.version} failed: {release.error or 'a service deployment failed'}", 1)
    if wait and release.status == "deploying":
        fail(
            f"rollback to v{target.version} still deploying after {timeout:.0f}s; see `orchestrator releases -a {app_name}`",
            1,
        )


def _version(text: str | None) -> int | None:
    if text is None:
        return None
    digits = text.removeprefix("v")
    if not digits.isdigit() or int(digits) < 1:
        fail(f"{text!r} is not a release version (v3 or 3)", 2)
    return int(digits)


class _Quiet:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None
