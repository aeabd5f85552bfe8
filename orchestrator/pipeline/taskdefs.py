"""Task definitions of a container app: one family per process type, `<app>-<process>`.

Public API (the release pipeline uses it for every build; the parameter handler uses it when config or
scaling changes):

- `task_definition_input(...)`: pure. The RegisterTaskDefinition request for one process type.
- `load_runtime_inputs(app, deps)`: what a task definition depends on besides the build: the `CONFIG#ecs`
  item, the NAMES of the config parameters (never their values) and the scaling parameter.
- `register_task_definitions(app, build_number, commands, scope=..., deps=...)`: registers one revision per
  process type, all under one claim
  `CLAIM#<scope>#register-task-definitions#<process+process...>`, and returns
  `{process: RegisteredTaskDefinition}`. A caller that registers for another reason than a build passes its
  own `scope` (for example the parameter change it handles), so its revisions are made once per scope.

Config variables become `secrets: [{name: VAR, valueFrom: <parameter ARN>}]`: ECS resolves them at task start
with the execution role, so the orchestrator never reads a value. The command is an argument vector
(shlex-split), never a shell string.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from orchestrator.bounded_json import SSM_VALUE_MAX_BYTES, JsonBoundsError, load_json
from orchestrator.observability import logger
from orchestrator.pipeline import keys
from orchestrator.pipeline.app_registry import EcsConfig, EcsConfigError, ecs_config_from_value
from orchestrator.pipeline.apppack_toml import SHELL_PROCESS, split_command
from orchestrator.pipeline.apps import AppRef, app_tags
from orchestrator.pipeline.claims import SideEffect, claimed_step
from orchestrator.pipeline.deps import PipelineDeps
from orchestrator.pipeline.ownership import ForeignResourceError, check_family
from orchestrator.pipeline.records import PlannedProcess
from orchestrator.settings import get_settings

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
WEB_PROCESS = "web"


class RuntimeInputsError(ValueError):
    """The app's runtime inputs are missing or invalid (no CONFIG#ecs item, bad scaling JSON)."""


class ProcessSize(BaseModel):
    """One process type in the scaling parameter; what is missing falls back to CONFIG#ecs defaults."""

    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    cpu: int | None = Field(default=None, gt=0)
    memory: int | None = Field(default=None, gt=0)
    min_processes: int | None = Field(default=None, ge=0)
    max_processes: int | None = Field(default=None, ge=0)


@dataclass(frozen=True)
class ProcessResources:
    cpu: int
    memory: int
    min_processes: int
    max_processes: int


def parse_scaling(text: str | None, where: str = "scaling") -> dict[str, ProcessSize]:
    """The scaling parameter's value; None (no parameter) is no scaling. Raises RuntimeInputsError."""
    if text is None or not text.strip():
        return {}
    try:
        data = load_json(text, what=where, max_bytes=SSM_VALUE_MAX_BYTES)
    except JsonBoundsError as error:
        raise RuntimeInputsError(str(error)) from error
    if not isinstance(data, dict):
        raise RuntimeInputsError(f"{where}: must be a JSON object of process type → {{cpu, memory, ...}}")
    sizes: dict[str, ProcessSize] = {}
    for name, size in data.items():
        try:
            sizes[str(name)] = ProcessSize.model_validate(size)
        except ValidationError as error:
            first = error.errors(include_url=False)[0]
            field = ".".join([str(name), *(str(p) for p in first["loc"])])
            raise RuntimeInputsError(f"{where}: {field}: {first['msg']}") from error
    return sizes


def resources_for(process: str, scaling: Mapping[str, ProcessSize], ecs: EcsConfig) -> ProcessResources:
    size = scaling.get(process) or ProcessSize()
    minimum = size.min_processes if size.min_processes is not None else 1
    maximum = size.max_processes if size.max_processes is not None else minimum
    return ProcessResources(
        cpu=size.cpu or ecs.default_cpu,
        memory=size.memory or ecs.default_memory,
        min_processes=minimum,
        max_processes=max(minimum, maximum),
    )


@dataclass(frozen=True)
class RuntimeInputs:
    """Everything a task definition needs that is not in the build."""

    app: AppRef
    ecs: EcsConfig
    secrets: dict[str, str]  # VAR → valueFrom (parameter ARN or name)
    scaling: dict[str, ProcessSize]

    def resources(self, process: str) -> ProcessResources:
        return resources_for(process, self.scaling, self.ecs)


@dataclass(frozen=True)
class RegisteredTaskDefinition:
    process: str
    arn: str
    command: str
    resources: ProcessResources


def image_uri(ecs: EcsConfig, build_number: int) -> str:
    return f"{ecs.image_repository_uri}:build-{build_number}"


# AppPack's `IsBuildpack` reads this tag from the `<app>-shell` task definition ("" counts as buildpacks).
BUILD_SYSTEM_TAG = "apppack:buildSystem"


def build_system_tag_value(system: str) -> str:
    """apppack.toml `[build] system` ("buildpack", "" or "dockerfile") as AppPack tags it."""
    return "dockerfile" if system == "dockerfile" else "buildpacks"


def task_tags(app: AppRef, process: str, build_number: int) -> list[dict[str, str]]:
    return [
        *({"key": key, "value": value} for key, value in app_tags(app).items()),
        {"key": "apppack:processType", "value": process},
        {"key": "apppack:buildNumber", "value": str(build_number)},
    ]


def task_definition_input(
    *,
    app: str | AppRef,
    process: str,
    command: str | Sequence[str],
    build_number: int,
    ecs: EcsConfig,
    secrets: Mapping[str, str],
    resources: ProcessResources,
    region: str,
    build_system: str = "",
) -> dict[str, Any]:
    """The RegisterTaskDefinition request for one process type of one build (`build_system`: apppack.toml's
    `[build] system`). Pure."""
    ref = app if isinstance(app, AppRef) else AppRef(app)
    argv = split_command(command) if isinstance(command, str) else list(command)
    container: dict[str, Any] = {
        "name": ecs.container_name,
        "image": image_uri(ecs, build_number),
        "essential": True,
        "command": argv,
        # The container may use the whole task; also what lets an emulator place the task.
        "memory": resources.memory,
        "secrets": [{"name": name, "valueFrom": secrets[name]} for name in sorted(secrets)],
        "environment": [],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": ecs.log_group,
                "awslogs-region": region,
                "awslogs-stream-prefix": ref.ecs_name(process),
            },
        },
    }
    if process == WEB_PROCESS and ecs.container_port is not None:
        container["portMappings"] = [{"containerPort": ecs.container_port, "protocol": "tcp"}]
        container["environment"] = [{"name": "PORT", "value": str(ecs.container_port)}]
    return {
        "family": ref.ecs_name(process),
        "taskRoleArn": ecs.task_role_arn,
        "executionRoleArn": ecs.execution_role_arn,
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": str(resources.cpu),
        "memory": str(resources.memory),
        "containerDefinitions": [container],
        "tags": [
            *task_tags(ref, process, build_number),
            {"key": BUILD_SYSTEM_TAG, "value": build_system_tag_value(build_system)},
        ],
    }


def load_ecs_config(app: AppRef, deps: PipelineDeps) -> EcsConfig:
    item = deps.store.get(keys.app_pk(app.declared_name), keys.CONFIG_ECS_SK)
    if item is None:
        raise RuntimeInputsError(f"app {app.declared_name!r} has no {keys.CONFIG_ECS_SK} item (is its stack deployed?)")
    try:
        return ecs_config_from_value(item.get("value"))
    except EcsConfigError as error:
        raise RuntimeInputsError(f"{keys.CONFIG_ECS_SK} of {app.declared_name!r} is invalid: {error}") from error


def config_secrets(app: AppRef, deps: PipelineDeps, prefix: str) -> dict[str, str]:
    """VAR → valueFrom for every config parameter of the app; a review app's own names win."""
    secrets: dict[str, str] = {}
    for path in app.config_paths(prefix):
        for parameter in deps.ssm.list_names(path):
            var = parameter.name[len(path) :]
            if not ENV_NAME.match(var):
                logger.warning("config parameter is not a valid variable name; skipped", extra={"name": parameter.name})
                continue
            secrets[var] = parameter.value_from
    return secrets


def secrets_digest(secrets: Mapping[str, str]) -> str:
    """A digest of the config names and their parameter ARNs (never values): what a revision's secrets are."""
    return hashlib.sha256(json.dumps(sorted(secrets.items())).encode()).hexdigest()[:16]


def load_scaling(app: AppRef, deps: PipelineDeps, prefix: str) -> dict[str, ProcessSize]:
    for name in app.scaling_names(prefix):
        value = deps.ssm.read_string(name)
        if value is not None:
            return parse_scaling(value, where=name)
    return {}


def load_runtime_inputs(app: str | AppRef, deps: PipelineDeps | None = None) -> RuntimeInputs:
    """Read the app's CONFIG#ecs, config names and scaling. Raises RuntimeInputsError on bad input."""
    deps = deps or PipelineDeps()
    ref = app if isinstance(app, AppRef) else AppRef(app)
    prefix = get_settings().ssm_prefix
    return RuntimeInputs(
        app=ref,
        ecs=load_ecs_config(ref, deps),
        secrets=config_secrets(ref, deps, prefix),
        scaling=load_scaling(ref, deps, prefix),
    )


def register_task_definitions(
    app: str | AppRef,
    build_number: int,
    commands: Mapping[str, str],
    *,
    scope: str,
    deps: PipelineDeps | None = None,
    inputs: RuntimeInputs | None = None,
    build_system: str = "",
    owned: Collection[str] = (),
) -> dict[str, RegisteredTaskDefinition]:
    """Register one revision per process type (`commands`: process → command line), each at most once
    per `scope`; `build_system` is the build's apppack.toml `[build] system`; `owned`: process types whose
    families the app registered into before (the deploy claim says so): their owner is not read again.
    Returns process → what was registered."""
    deps = deps or PipelineDeps()
    ref = app if isinstance(app, AppRef) else AppRef(app)
    inputs = inputs or load_runtime_inputs(ref, deps)
    region = get_settings().region
    effects: list[SideEffect] = []
    sizes: dict[str, ProcessResources] = {}
    for process in sorted(commands, key=lambda p: (p == SHELL_PROCESS, p)):  # the services, then the shell
        resources = sizes[process] = inputs.resources(process)
        request = task_definition_input(
            app=ref, process=process, command=commands[process], build_number=build_number, ecs=inputs.ecs,
            secrets=inputs.secrets, resources=resources, region=region, build_system=build_system,
        )  # fmt: skip

        family = str(request["family"])
        try:  # before the claim: another app's family is never registered into (pipeline/ownership.py)
            if process not in owned:
                check_family(ref, family, deps.ecs.task_definition_tags(family))
        except ForeignResourceError as error:
            raise RuntimeInputsError(str(error)) from error
        # RegisterTaskDefinition has no client token: the revision carries one as a tag, so an attempt
        # whose response was lost, or a resumed claim, finds the revision instead of registering another.
        token = str(uuid.uuid5(uuid.NAMESPACE_URL, f"orchestrator:{ref.name}:{scope}:register:{process}"))

        def register(request: dict[str, Any] = request, token: str = token) -> dict[str, Any]:
            return {"arn": deps.ecs.register_task_definition(request, token)}

        def resume(family: str = family, token: str = token) -> dict[str, Any] | None:
            found = deps.ecs.find_task_definition(family, token)
            return {"arn": found} if found else None

        effects.append(SideEffect(process, register, resume))
    # One claim for all the process types of the scope (claims.py: 2 writes, not 2 per revision).
    results, _ = claimed_step(deps.store, ref.name, scope, "register-task-definitions", effects)
    return {
        process: RegisteredTaskDefinition(process, str(results[process]["arn"]), commands[process], sizes[process])
        for process in sorted(commands)
    }


def planned_task_definitions(
    registered: dict[str, RegisteredTaskDefinition], inputs: RuntimeInputs
) -> dict[str, Any]:
    """The plan's task-definition fields for what was registered with `inputs`. Pure."""
    one_off = registered.get(WEB_PROCESS) or registered[sorted(registered)[0]]
    return {
        "processes": {
            name: PlannedProcess(
                command=r.command,
                task_definition=r.arn,
                cpu=r.resources.cpu,
                memory=r.resources.memory,
                min_processes=r.resources.min_processes,
                max_processes=r.resources.max_processes,
            )
            for name, r in registered.items()
        },
        "task_definition": one_off.arn,
        "container_name": inputs.ecs.container_name,
        "config_digest": secrets_digest(inputs.secrets),
    }
