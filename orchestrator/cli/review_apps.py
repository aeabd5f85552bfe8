"""`orchestrator review-apps`: a pipeline's review apps, one per pull request.

Only the status parameter AppPack's CLI reads is written here (`created`, `deleting`); the parameters handler
opens and tears down the review app (orchestrator/review_apps/lifecycle.py), and `destroy` follows it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from orchestrator.cli.lazy import lazy_module
from orchestrator.cli.output import AppOption, JsonOption, console, emit, fail, plain

if TYPE_CHECKING:
    from orchestrator.adapters import operator as operations
    from orchestrator.adapters import review_app_operator as review_apps
else:
    operations = lazy_module("orchestrator.adapters.operator")
    review_apps = lazy_module("orchestrator.adapters.review_app_operator")

app = typer.Typer(help="Review apps: one per pull request of a pipeline (-a PIPELINE:PR).", no_args_is_help=True)


def _review_app(app_name: str, command: str) -> str:
    """The `<pipeline>:<pr>` key, its pipeline checked (exists, is a pipeline): else a one-line error."""
    if ":" not in app_name:
        fail(f"review-apps {command} needs -a <pipeline>:<pull request number>, not {app_name!r}", 2)
    operations.app_settings(app_name)
    return app_name


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in ("primary_id", "secondary_id", "record_version")}


def _row(key: str, status: Any) -> dict[str, Any]:
    deployed = operations.deploystatus(key) or {}
    return {
        "app": key,
        "pull_request": status.pull_request if status else "",
        "status": status.status if status else "unreadable (not AppPack's review-app JSON)",
        "branch": status.branch if status else "",
        "title": status.title if status else "",
        "url": status.url if status else "",
        "hosts": review_apps.hosts(key),
        "deployed_build": deployed.get("build_number"),
    }


@app.command("list")
def list_(app_name: str = AppOption, as_json: bool = JsonOption) -> None:
    """The pipeline's review apps, from their status parameters (what AppPack's CLI lists)."""
    pipeline = app_name.partition(":")[0]
    settings = operations.app_settings(pipeline)
    if settings.get("kind") != "pipeline":
        fail(f"{pipeline!r} is an app, not a pipeline: only a pipeline has review apps", 2)
    rows = [_row(key, status) for key, status in review_apps.statuses(pipeline)]

    def render(data: list[dict[str, Any]]) -> None:
        if not data:
            console.print(
                plain(
                    f"{pipeline} has no review apps; create one with `orchestrator review-apps create -a {pipeline}:<PR>`"
                )
            )
            return
        table = Table("review app", "status", "title", "branch", "host", "build", "pull request")
        for row in data:
            build = "" if row["deployed_build"] is None else f"#{row['deployed_build']}"
            table.add_row(*(plain(v) for v in (row["app"], row["status"], row["title"], row["branch"],
                                                ", ".join(row["hosts"]), build, row["url"])))  # fmt: skip
        console.print(table)

    emit(rows, as_json, render)


@app.command()
def create(
    app_name: str = AppOption,
    branch: str = typer.Option("", "--branch", help="The pull request's branch (shown by list)."),
    title: str = typer.Option("", "--title", help="The pull request's title (shown by list)."),
    url: str = typer.Option("", "--url", help="The pull request's URL (default: from the pipeline's GitHub source)."),
    build: bool = typer.Option(True, "--build/--no-build", help="Start the pull request's first build."),
    as_json: bool = JsonOption,
) -> None:
    """Create the review app of a pull request: its builds deploy from now on. Starts its first build."""
    from orchestrator.review_apps.status import CREATED, DELETING, ReviewAppStatus

    key = _review_app(app_name, "create")
    current = review_apps.read_status(key)
    if current is not None and current.status == CREATED:
        fail(f"review app {key} already exists (see `orchestrator review-apps list -a {key.partition(':')[0]}`)", 1)
    if current is not None and current.status == DELETING:
        fail(f"review app {key} is being destroyed; wait for `orchestrator review-apps destroy -a {key}` to finish", 1)
    pr = key.partition(":")[2]
    project = str((operations.app_settings(key).get("codebuild_project") or {}).get("name", ""))
    status = ReviewAppStatus(
        pull_request=f"pr/{pr}", status=CREATED, branch=branch, title=title,
        url=url or (review_apps.pull_request_url(project, pr) if project else ""),
    )  # fmt: skip
    review_apps.write_status(key, status)
    data: dict[str, Any] = {"app": key, "parameter": review_apps.status_name(key), **status.model_dump()}
    if build:
        started = operations.start_build(key, None)
        data["build_number"] = started.get("buildNumber")

    def render(d: dict[str, Any]) -> None:
        console.print(plain(f"review app {key} created ({d['parameter']})"))
        if d.get("build_number") is not None:
            console.print(plain(f"build #{d['build_number']} started; follow it with "
                                f"`orchestrator build watch {d['build_number']} -a {key}`"))  # fmt: skip

    emit(data, as_json, render)


@app.command()
def destroy(
    app_name: str = AppOption,
    wait: bool = typer.Option(True, "--wait/--no-wait", help="Follow the teardown until it is done."),
    timeout: float = typer.Option(300.0, "--timeout", min=0, help="Give up waiting after this many seconds."),
    interval: float = typer.Option(2.0, "--interval", min=0.1, help="Seconds between checks."),
    as_json: bool = JsonOption,
) -> None:
    """Destroy a review app: its services, web rule and target group, scheduled rules, autoscaling targets and
    parameters. Safe to repeat; the pipeline's other review apps are not touched."""
    from rich.live import Live
    from rich.text import Text

    from orchestrator.review_apps.status import DELETING, DESTROYED, ReviewAppStatus

    key = _review_app(app_name, "destroy")
    current = review_apps.read_status(key)
    before = review_apps.record(key) or {}
    if current is None and before.get("status") == DESTROYED:
        emit({"app": key, **_public(before)}, as_json, lambda _: console.print(plain(f"review app {key} is already destroyed")))
        return
    if current is None and not operations.builds(key, limit=1):
        fail(f"no review app {key} (see `orchestrator review-apps list -a {key.partition(':')[0]}`)", 1)
    pr = key.partition(":")[2]
    deleting = (current or ReviewAppStatus(pull_request=f"pr/{pr}", status=DELETING)).model_copy(
        update={"status": DELETING}
    )
    review_apps.write_status(key, deleting)
    if not wait:
        emit(
            {"app": key, "status": DELETING},
            as_json,
            lambda _: console.print(plain(f"review app {key}: destroy requested")),
        )
        return
    cluster = str((operations.app_settings(key).get("cluster") or {}).get("name") or "")
    deadline = time.monotonic() + timeout
    with Live(console=console, refresh_per_second=4, transient=True) as live:
        while True:
            done = review_apps.record(key) or {}
            gone = review_apps.read_status(key) is None
            if gone and done.get("status") == DESTROYED:  # the handler deletes the parameter last
                break
            if not as_json:
                left = review_apps.active_services(key, cluster) if cluster else []
                what = f"{len(left)} service(s) left" if left else "removing its rule, target group and parameters"
                live.update(Text(f"destroying review app {key}: {what}…", style="dim"))
            if time.monotonic() > deadline:
                fail(f"review app {key} is still being destroyed after {timeout:.0f}s; run destroy again, or see "
                     "`orchestrator events redrive` if the handler failed", 1)  # fmt: skip
            time.sleep(interval)

    def render(d: dict[str, Any]) -> None:
        console.print(plain(f"review app {key} destroyed"))
        for line in d.get("removed") or []:
            console.print(plain(f"  removed {line}"))

    emit({"app": key, **_public(done)}, as_json, render)
