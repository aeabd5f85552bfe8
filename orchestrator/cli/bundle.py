"""`orchestrator bundle`: build, validate, deploy, call, list, delete and prune function-app bundles."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from orchestrator.bounded_json import JsonBoundsError, load_json
from orchestrator.cli.output import JsonOption, console, emit, errors, fail, plain, warn

app = typer.Typer(help="Function-app bundles (Mattermost Apps style) on Lambda.", no_args_is_help=True)

BundleArg = typer.Argument(..., help="The bundle zip.", exists=False)


def _read(path: Path) -> bytes:
    from orchestrator.bundles.validation import MAX_BUNDLE_BYTES

    try:
        if path.stat().st_size > MAX_BUNDLE_BYTES:
            fail(f"{path}: {path.stat().st_size} bytes; a bundle is at most {MAX_BUNDLE_BYTES}", 2)
        return path.read_bytes()
    except OSError as error:
        fail(f"{path}: cannot read: {error.strerror}", 2)


def _validated(path: Path, as_json: bool) -> Any:
    from orchestrator.bundles.validation import validate_bundle

    report = validate_bundle(_read(path), path.name)
    if report.bundle is None:
        if as_json:
            typer.echo(json.dumps(report.to_dict(), indent=2))
        else:
            for problem in report.problems:
                errors.print(f"  {problem}", highlight=False, markup=False)
        count = len(report.problems)
        fail(f"{path}: invalid bundle: {count} error{'s' if count != 1 else ''}", 2)
    return report


@app.command()
def build(
    source: Path = typer.Argument(..., help="Bundle source folder (manifest.json, static/, functions/<name>/)."),
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the bundle zip."),
    as_json: bool = JsonOption,
) -> None:
    """Zip a bundle source folder reproducibly: each functions/<name>/ folder becomes <name>.zip."""
    from orchestrator.bundles.build import BuildError, build_bundle
    from orchestrator.bundles.validation import validate_bundle

    try:
        data = build_bundle(source)
    except BuildError as error:
        fail(str(error), 2)
    try:
        output.write_bytes(data)
    except OSError as error:
        fail(f"{output}: cannot write: {error.strerror}", 2)
    report = validate_bundle(data, output.name)
    result = {"output": str(output), "bytes": len(data), **report.to_dict()}
    emit(result, as_json, lambda r: console.print(plain(f"wrote {r['output']} ({r['bytes']} bytes); valid: {r['valid']}")))
    if not report.valid:
        fail(f"{output}: built, but invalid: {len(report.problems)} errors (run `orchestrator bundle validate`)", 2)


@app.command()
def validate(bundle: Path = BundleArg, as_json: bool = JsonOption) -> None:
    """Check a bundle against every rule and list all the errors at once (exit 2 when invalid)."""
    report = _validated(bundle, as_json)
    data = report.to_dict()

    def render(d: dict[str, Any]) -> None:
        b = report.bundle
        table = Table("app", "version", "functions", "static files", title=f"{bundle.name}: valid")
        table.add_row(plain(b.app_id), plain(b.version), plain(", ".join(f"{f.name} {f.path}" for f in
                      b.manifest.functions)), str(len(b.static_files)))  # fmt: skip
        console.print(table)
        for warning in report.warnings:
            warn(str(warning))

    emit(data, as_json, render)


@app.command("deploy-data")
def deploy_data(bundle: Path = BundleArg, as_json: bool = JsonOption) -> None:
    """Print what a deploy would create, as appsctl `terraform generate-data` JSON. Touches no AWS.
    The output is JSON either way (--json is accepted for uniformity)."""
    from orchestrator.bundles.plan import plan_deploy
    from orchestrator.settings import get_settings

    report = _validated(bundle, True)
    typer.echo(
        json.dumps(plan_deploy(report.bundle, bundle_bucket=get_settings().bundle_bucket).deploy_data(), indent=2)
    )


@app.command()
def deploy(
    bundle: Path = BundleArg,
    upload_only: bool = typer.Option(
        False, "--upload-only", help="Only upload to bundles/ in the bundle bucket; the bundle handler deploys it."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Validate, upload to s3://<bundle bucket>/bundles/<app>_<version>.zip, and deploy it now with live
    progress. When the upload's own S3 event reaches the bundle handler first, wait for its deploy instead."""
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

    from orchestrator.bundles.deploy import BundleDeps, DeployFailedError, DeployInProgressError
    from orchestrator.bundles.ownership import NameCollisionError, collision_message, find_collisions
    from orchestrator.bundles.plan import plan_deploy
    from orchestrator.bundles.uploads import upload_bundle
    from orchestrator.bundles.waiting import deploy_and_wait, published_sha256
    from orchestrator.settings import get_settings

    report = _validated(bundle, as_json)
    valid = report.bundle
    if not upload_only and not get_settings().function_role_arn:
        # Checked before the upload: deploying here would fail, and record the version as failed, for want of it.
        fail(
            "deploying from here needs the functions' execution role: set ORCHESTRATOR_FUNCTION_ROLE_ARN, "
            "or use --upload-only and let the bundle handler (which has it) deploy the upload",
            2,
        )
    deps = BundleDeps()
    plan = plan_deploy(valid, bundle_bucket=deps.storage.bucket)
    # Before the upload, which would itself overwrite the other app version's bundle object.
    conflicts, _ = find_collisions(plan, deps.store, deps.lambdas, deps.storage)
    if conflicts:
        fail(collision_message(plan, conflicts), 2)
    published_before = published_sha256(deps, valid.app_id, valid.version)
    location = upload_bundle(_read(bundle), valid.app_id, valid.version, deps)
    if upload_only:
        result = {"status": "uploaded", "app_id": valid.app_id, "version": valid.version,
                  "bucket": location.bucket, "key": location.key, "version_id": location.version_id}  # fmt: skip
        emit(
            result,
            as_json,
            lambda r: console.print(plain(f"uploaded s3://{r['bucket']}/{r['key']}; the bundle handler deploys it")),
        )
        return
    total = len(plan.static) + 2 * len(plan.functions) + 1
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        console=errors, transient=True, disable=as_json,
    ) as bar:  # fmt: skip
        task = bar.add_task(f"deploying {valid.app_id} {valid.version}", total=total)

        def progress(step: str, message: str) -> None:
            bar.update(task, advance=0 if step == "waiting" else 1, description=escape(f"{step}: {message}"))

        try:
            outcome = deploy_and_wait(
                valid, source=location, deps=deps, progress=progress, published_before=published_before
            )
        except DeployInProgressError as error:
            fail(str(error), 1)
        except NameCollisionError as error:
            fail(str(error), 2)
        except DeployFailedError as error:
            if as_json:
                typer.echo(json.dumps(error.outcome.to_dict(), indent=2))
            fail(
                f"deploy of {valid.app_id} {valid.version} failed at {error.outcome.error}; the previous deploy is still served",
                1,
            )

    def render(d: dict[str, Any]) -> None:
        table = Table("function", "Lambda name", title=plain(f"{d['app_id']} {d['version']}: {d['status']}"))
        for function, name in d["functions"].items():
            table.add_row(plain(function), plain(name))
        console.print(table)
        for change in d["changes"]:
            console.print(plain(f"  • {change}"))
        if d.get("note"):
            console.print(plain(f"  ({d['note']})"))

    emit(outcome.to_dict(), as_json, render)


@app.command()
def call(
    app_id: str = typer.Argument(..., help="App id."),
    version: str = typer.Argument(..., help="App version."),
    path: str = typer.Argument(
        ..., help="Call path, e.g. /send; routed as a Mattermost server routes it (longest string prefix)."
    ),
    data: str | None = typer.Option(None, "--data", "-d", help="JSON body of the call."),
    as_json: bool = JsonOption,
) -> None:
    """Invoke the function serving PATH synchronously (API Gateway proxy payload) and print its response.
    Against the emulator (--endpoint-url), python functions run locally from their zips."""
    from orchestrator.adapters.lambda_functions import LambdaFunctions
    from orchestrator.bundles.calls import CallError, Invoker
    from orchestrator.bundles.calls import call as call_app
    from orchestrator.bundles.routing import CallPathError, clean_call_path
    from orchestrator.local.lambda_runtime import LocalRuntimeError, local_invoker_if_emulated

    try:
        clean_call_path(path)
    except CallPathError as error:
        fail(str(error), 2)
    try:
        body = load_json(data, what="--data") if data is not None else None
    except JsonBoundsError as error:
        fail(str(error), 2)
    invoker: Invoker = local_invoker_if_emulated() or LambdaFunctions()
    try:
        result = call_app(app_id, version, path, body, invoker=invoker)
    except CallError as error:
        if as_json and error.result is not None:
            typer.echo(json.dumps(error.result.to_dict(), indent=2, default=str))
        fail(str(error), 1)
    except LocalRuntimeError as error:
        fail(str(error), 1)

    def render(d: dict[str, Any]) -> None:
        console.print(plain(f"{d['status_code']} from {d['function']} ({d['lambda_name']})"), style="green")
        body = d["body"]
        if isinstance(body, dict | list):
            console.print_json(json.dumps(body))
        elif body is not None:
            console.print(str(body), markup=False, highlight=False)

    emit(result.to_dict(), as_json, render)


@app.command("list")
def list_(
    app_id: str | None = typer.Option(None, "--app", "-a", help="Only this app."), as_json: bool = JsonOption
) -> None:
    """Deployed app versions: state, the step a failure happened at, and what is served."""
    from orchestrator.bundles.lifecycle import list_versions
    from orchestrator.local.views import when

    rows = [r.to_item() for r in list_versions(app_id=app_id)]

    def render(items: list[dict[str, Any]]) -> None:
        table = Table("app", "version", "state", "functions", "published", "error")
        for item in items:
            published = item.get("published")
            table.add_row(
                plain(item["app_id"]), plain(item["version"]), plain(item["state"]),
                plain(", ".join(sorted(item.get("functions", {})))),
                when(published["published_at"]) if published else "-", plain(item.get("error") or ""),
            )  # fmt: skip
        console.print(table)

    emit(rows, as_json, render)


def _confirm(yes: bool, what: str) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        fail(f"{what} Confirmation needs a terminal; pass --yes to confirm from a script", 2)
    if not typer.confirm(what):
        fail("cancelled", 1)


@app.command()
def delete(
    app_id: str = typer.Argument(..., help="App id."),
    version: str = typer.Argument(..., help="App version."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    as_json: bool = JsonOption,
) -> None:
    """Unpublish an app version (manifest first), then delete its functions and static assets."""
    from orchestrator.bundles.deploy import DeployInProgressError
    from orchestrator.bundles.lifecycle import UnknownVersionError, delete_version

    _confirm(yes, f"Delete {app_id} {version}?")
    try:
        outcome = delete_version(app_id, version)
    except (UnknownVersionError, DeployInProgressError) as error:
        fail(str(error), 1)
    emit(
        outcome.to_dict(),
        as_json,
        lambda d: console.print(plain("\n".join(f"removed {r}" for r in d["removed"]) or "nothing to remove")),
    )


@app.command()
def prune(
    keep: int = typer.Option(..., "--keep", min=0, help="Versions to keep per app (most recently published)."),
    app_id: str | None = typer.Option(None, "--app", "-a", help="Only this app."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only say what would be deleted."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    as_json: bool = JsonOption,
) -> None:
    """Delete all but the KEEP most recently published versions of each app."""
    from orchestrator.bundles.lifecycle import prune as prune_versions

    planned = prune_versions(keep, app_id=app_id, dry_run=True)
    if not dry_run and planned:
        _confirm(yes, "Delete " + ", ".join(f"{o.app_id} {o.version}" for o in planned) + "?")
        planned = prune_versions(keep, app_id=app_id)
    rows = [{**o.to_dict(), "deleted": not dry_run} for o in planned]

    def render(items: list[dict[str, Any]]) -> None:
        table = Table("app", "version", "action")
        for item in items:
            table.add_row(plain(item["app_id"]), plain(item["version"]), "deleted" if item["deleted"] else "would delete")
        console.print(table if items else "nothing to prune")

    emit(rows, as_json, render)
