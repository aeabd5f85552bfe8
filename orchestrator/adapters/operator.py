"""What the operator CLI reads and writes in AWS (or the emulator).

Parameter commands only write SSM parameters: the orchestrator reacts to the change events as it would to
any other writer. Config values are SecureStrings; the CLI runs with the operator's credentials and may
decrypt them when asked (the orchestrator itself never does).
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

from botocore.exceptions import ClientError

from orchestrator.adapters.clients import client
from orchestrator.adapters.store import Store
from orchestrator.bounded_json import SSM_VALUE_MAX_BYTES, JsonBoundsError, load_json
from orchestrator.errors import UserError
from orchestrator.parameters.names import ParameterKind, Target, config_path, kind_name
from orchestrator.pipeline import keys
from orchestrator.pipeline.apps import AppRef
from orchestrator.pipeline.deploystatus_item import deploystatus_value
from orchestrator.settings import adapter_settings


def fail(message: str, code: int = 1) -> NoReturn:
    raise UserError(message, code)


def _prefix() -> str:
    return adapter_settings().ssm_prefix


def app_settings(app: str, store: Store | None = None) -> dict[str, Any]:
    """The app's settings (of the pipeline, for a review app `<pipeline>:<pr>`): AppPack's `value` map plus
    the orchestrator's `kind` and `name`. A one-line error when it does not exist, or when a review app's
    pipeline is a plain app. (The CLI checks the syntax.)"""
    name, _, pr = app.partition(":")
    item = (store or Store()).get(keys.app_pk(name), keys.SETTINGS_SK)
    if item is None:
        fail(f"unknown app {name!r} (see `orchestrator apps`)", 1)
    if pr and item.get("kind") != "pipeline":
        fail(f"{name!r} is an app, not a pipeline: only a pipeline has review apps ({app!r})", 2)
    value = item.get("value")
    return {**(value if isinstance(value, dict) else {}), "kind": item.get("kind"), "name": item.get("name")}


def target_of(app: str, store: Store | None = None) -> Target:
    """`demo` → app, `reviews` → pipeline, `reviews:12` → review app #12 of pipeline reviews."""
    settings = app_settings(app, store)
    name, _, pr = app.partition(":")
    if pr:
        return Target("review_app", name, pr)
    return Target("pipeline" if settings.get("kind") == "pipeline" else "app", app)


def list_apps() -> list[dict[str, Any]]:
    return Store().query(keys.APPS_PK, "APP#")


# --- parameters -----------------------------------------------------------------------------------


def config_prefix(target: Target) -> str:
    return config_path(target, _prefix()) + "/"


def config_list(target: Target, *, with_values: bool) -> dict[str, str | None]:
    ssm = client("ssm")
    found: dict[str, str | None] = {}
    path = config_prefix(target).rstrip("/")
    for page in ssm.get_paginator("get_parameters_by_path").paginate(
        Path=path, Recursive=False, WithDecryption=with_values
    ):
        for parameter in page.get("Parameters", []):
            found[parameter["Name"].rsplit("/", 1)[-1]] = parameter["Value"] if with_values else None
    return dict(sorted(found.items()))


def config_get(target: Target, variable: str) -> str:
    try:
        value: str = client("ssm").get_parameter(Name=config_prefix(target) + variable, WithDecryption=True)[
            "Parameter"
        ]["Value"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ParameterNotFound":
            fail(f"{variable} is not set for {target.key}", 1)
        raise
    return value


def config_set(target: Target, values: dict[str, str]) -> None:
    for variable, value in values.items():
        client("ssm").put_parameter(
            Name=config_prefix(target) + variable, Value=value, Type="SecureString", Overwrite=True
        )


def config_unset(target: Target, variables: list[str]) -> list[str]:
    missing = []
    for variable in variables:
        try:
            client("ssm").delete_parameter(Name=config_prefix(target) + variable)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ParameterNotFound":
                raise
            missing.append(variable)
    return missing


def parameter_states(target: Target) -> dict[str, dict[str, Any]]:
    """Parameter kind → the orchestrator's record of it: `applied` (the value in effect: `desired`,
    `parameter`, `at`) and `error` (the last rejected value's `message`, `at`) until a valid one is applied."""
    from orchestrator.parameters.state import STATE_PREFIX, ParameterStates

    found = {}
    for item in ParameterStates(Store()).all_for(target):
        kind = str(item.get("kind") or str(item["secondary_id"]).removeprefix(STATE_PREFIX))
        found[kind] = item
    return found


# The JSON shape of each parameter kind at its top level (the domain parsers check the rest).
_SHAPES: dict[ParameterKind, type] = {
    ParameterKind.SCALING: dict,
    ParameterKind.SCHEDULED_TASKS: list,
    ParameterKind.USERS: list,
    ParameterKind.ADMINISTRATORS: list,
    ParameterKind.DOMAINS: list,
}


def read_json_parameter(target: Target, kind: ParameterKind) -> Any:
    """The parameter's JSON value, None when it does not exist. A value that is not JSON of the kind's shape
    (written by hand, the console or another tool) is a one-line error that names the parameter."""
    name = kind_name(target, kind, _prefix())
    try:
        value = client("ssm").get_parameter(Name=name)["Parameter"]["Value"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ParameterNotFound":
            return None
        raise
    fix = f"fix it, or delete it with `aws ssm delete-parameter --name {name}`"
    try:
        data = load_json(value, what=name, max_bytes=SSM_VALUE_MAX_BYTES)
    except JsonBoundsError as error:
        fail(f"{error}; {fix}", 1)
    shape = _SHAPES.get(kind)
    if shape is not None and not isinstance(data, shape):
        fail(f"{name} must hold a JSON {'object' if shape is dict else 'list'}; {fix}", 1)
    return data


def write_json_parameter(target: Target, kind: ParameterKind, value: Any) -> None:
    client("ssm").put_parameter(
        Name=kind_name(target, kind, _prefix()), Value=json.dumps(value, sort_keys=True), Type="String", Overwrite=True
    )


# --- records --------------------------------------------------------------------------------------


def record_pk(app: str) -> str:
    return keys.app_pk(app)


def builds(app: str, limit: int = 20) -> list[dict[str, Any]]:
    return Store().query(keys.app_pk(app), keys.BUILD_PREFIX, newest_first=True, limit=limit)


def build(app: str, number: int | None) -> dict[str, Any] | None:
    if number is None:
        newest = builds(app, limit=1)
        return newest[0] if newest else None
    return Store().get(keys.app_pk(app), keys.build_sk(number))


def latest_started_build_number(app: str) -> int | None:
    """The number of the newest build CodeBuild has started for the app's project (its record may not
    exist yet: the first phase event is still on its way)."""
    project = str((app_settings(app).get("codebuild_project") or {}).get("name", ""))
    if not project:
        return None
    codebuild = client("codebuild")
    ids = codebuild.list_builds_for_project(projectName=project, sortOrder="DESCENDING").get("ids", [])
    if not ids:
        return None
    # The newest is first in AWS; the ends of the page are read so an emulator that ignores the order agrees.
    found = codebuild.batch_get_builds(ids=sorted({ids[0], ids[-1]})).get("builds", [])
    numbers = [int(b["buildNumber"]) for b in found if b.get("buildNumber") is not None]
    return max(numbers) if numbers else None


def deploystatus(app: str, store: Store | None = None) -> dict[str, Any] | None:
    """The `value` of the app's DEPLOYSTATUS item (AppPack's `DeployStatus`), or None before the first."""
    store = store or Store()
    if ":" in app:
        pipeline, pr = app.split(":", 1)
        return deploystatus_value(store.get(keys.app_pk(pipeline), f"{keys.DEPLOYSTATUS_SK}#{pr}"))
    return deploystatus_value(store.get(keys.app_pk(app), keys.DEPLOYSTATUS_SK))


# --- actions --------------------------------------------------------------------------------------


def start_build(app: str, source_version: str | None) -> dict[str, Any]:
    settings = app_settings(app)
    project = str((settings.get("codebuild_project") or {}).get("name", ""))
    if not project:
        fail(f"app {app!r} has no CodeBuild project in its settings", 1)
    if ":" in app and source_version is None:
        source_version = f"pr/{app.split(':', 1)[1]}"
    kwargs: dict[str, Any] = {"projectName": project}
    if source_version:
        kwargs["sourceVersion"] = source_version
    started: dict[str, Any] = client("codebuild").start_build(**kwargs)["build"]
    return started


def restart(app: str, processes: list[str]) -> list[str]:
    """A new deployment of each service (same task definition): every task is replaced."""
    settings = app_settings(app)
    cluster = str((settings.get("cluster") or {}).get("name") or adapter_settings().cluster_name)
    from orchestrator.adapters.ecs import Ecs
    from orchestrator.pipeline.ownership import ForeignResourceError, check_services

    services = [AppRef(app).ecs_name(process) for process in processes]
    try:
        check_services(AppRef(app), Ecs().describe_services(cluster, services).values())
    except ForeignResourceError as error:
        fail(str(error), 1)
    for service in services:
        client("ecs").update_service(cluster=cluster, service=service, forceNewDeployment=True)
    return services


# --- logs -----------------------------------------------------------------------------------------


def app_log_group(app: str) -> str:
    """The CloudWatch log group the app's tasks write to (its settings'; the default name otherwise)."""
    from orchestrator.pipeline.app_registry import task_log_group_name

    named = (app_settings(app).get("log_group") or {}).get("name")
    return str(named or task_log_group_name(app.partition(":")[0]))


def read_log_pointer(pointer: str) -> list[str] | None:
    """The lines a phase's `logs` pointer names (s3:// or cloudwatch://group#stream); None when the log is
    not there (yet, or any more). A pointer of another form is a one-line error."""
    from orchestrator.adapters.artifacts import Artifacts
    from orchestrator.adapters.cloudwatch_logs import stream_lines
    from orchestrator.pipeline.log_pointers import parse_pointer

    try:
        kind, where, name = parse_pointer(pointer)
    except ValueError as error:
        fail(str(error), 1)
    if kind == "s3":
        text = Artifacts(where).read_text(name)
        return None if text is None else text.splitlines()
    return stream_lines(where, name)


# --- who is calling -------------------------------------------------------------------------------


def caller_identity() -> str:
    """The CLI's identity (STS GetCallerIdentity's ARN): the local dashboard takes its account from it."""
    try:
        return str(client("sts").get_caller_identity()["Arn"])
    except ClientError:
        return "unknown"
