"""The DynamoDB items that declare an app: AppPack's `settings` and `CONFIG#ecs` items, plus the
orchestrator's lookup item and its entry in the app index.

`settings` and `CONFIG#ecs` keep their payload under a `value` map, in the field names AppPack's CLI decodes
(`app/app.go`: `Settings`, and `ECSConfig` whose members are the ECS API's `RunTaskInput` and
`RegisterTaskDefinitionInput`). The orchestrator's own fields (`kind`, `name`) sit beside `value`, where the
CLI's decoder ignores them. `EcsConfig` is the orchestrator's reading of `CONFIG#ecs`: `ecs_config_value`
writes it in AppPack's shape and `ecs_config_from_value` reads it back; nothing else knows the shape.

The AppStack writes exactly these items at deploy time (a custom resource calling PutItem), and the local
emulator writes them when it registers an app, so both stay in step with what the handlers read.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from orchestrator.pipeline import keys
from orchestrator.pipeline.ecs_config_item import DEFAULT_CPU, DEFAULT_MEMORY, ecs_basics
from orchestrator.pipeline.ecs_config_item import EcsConfigError as EcsConfigError
from orchestrator.pipeline.names import APP_NAME_PATTERN, app_name_error

AppKind = Literal["app", "pipeline"]
# App names that would collide with a path segment the IAM policies give a meaning to (the stacks and
# `local register` both refuse them).
RESERVED_APP_NAMES = frozenset({"config", "account", "apps", "pipelines", "review-apps"})


# Build artifacts under s3://<artifacts>/<app>/<build number>/, the buildspec's `artifacts.files`: AppPack's
# actions upload (upload-artifacts-action) and copy (deploy-action) exactly these names.
ARTIFACT_FILES = ("build.log", "test.log", "apppack.toml", "commit.txt", "metadata.toml")
BUILDSPEC_ARTIFACTS = {"files": list(ARTIFACT_FILES), "name": "$CODEBUILD_BUILD_NUMBER"}


# The names of an app's own resources: the AppStack creates them, the emulator uses the same.
def codebuild_project_name(app: str) -> str:
    """The app's name itself: AppPack's GitHub actions call BatchGetProjects(names=[<appname>])."""
    return app


def build_variables(app: str, kind: AppKind, repository_uri: str, artifacts_bucket: str) -> dict[str, str]:
    """The CodeBuild project's environment, in the names AppPack's builder and actions read: `DOCKER_REPO`
    (metadata/deploy/build actions), `APPNAME`, `ARTIFACT_BUCKET` and `PIPELINE` ("1" for a pipeline)."""
    return {
        "APPNAME": app,
        "DOCKER_REPO": repository_uri,
        "ARTIFACT_BUCKET": artifacts_bucket,
        "PIPELINE": "1" if kind == "pipeline" else "0",
    }


def ecr_repository_name(app: str) -> str:
    return f"orchestrator/{app}"


def task_log_group_name(app: str) -> str:
    return f"/orchestrator/apps/{app}"


class EcsConfig(BaseModel):
    """The base of every task definition and RunTask call of an app (the `CONFIG#ecs` item)."""

    model_config = ConfigDict(defer_build=True)  # built on first use, not at import (cold start)

    cluster: str
    execution_role_arn: str
    task_role_arn: str
    log_group: str
    image_repository_uri: str  # images are tagged build-<N> (immutable tags)
    subnets: list[str] = Field(default_factory=list)
    security_groups: list[str] = Field(default_factory=list)
    assign_public_ip: Literal["ENABLED", "DISABLED"] = "DISABLED"
    container_name: str = "app"
    container_port: int | None = 8000  # the `web` process listens here (PORT is set to it)
    default_cpu: int = DEFAULT_CPU
    default_memory: int = DEFAULT_MEMORY


class AppDeclaration(BaseModel):
    """An app (or a pipeline of review apps) as the stacks and the emulator declare it."""

    model_config = ConfigDict(defer_build=True)  # built on first use, not at import (cold start)

    name: str = Field(pattern=APP_NAME_PATTERN)
    kind: AppKind = "app"
    codebuild_project: str
    ecr_repository: str
    ecs: EcsConfig
    # The CloudFormation stack that declares it: AppPack's CLI tells a pipeline by `/apppack-pipeline-<name>/`.
    stack_id: str = ""
    domains: list[str] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _unambiguous(cls, name: str) -> str:
        error = app_name_error(name)
        if error is not None:
            raise ValueError(error)
        return name

    def service_name(self, process: str) -> str:
        return f"{self.name}-{process}"


def stack_name(name: str, kind: AppKind) -> str:
    """AppPack's stack names (`apppack-app-<name>`, `apppack-pipeline-<name>`); the CLI parses `stack_id`."""
    return f"apppack-{kind}-{name}"


# What `shell` runs (settings' `shell.command`); the `<app>-shell` family registered with every release runs
# it too when started without an override (AppPack's CLI always overrides the command).
SHELL_COMMAND = "bash -l"


def shell_task_family(name: str) -> str:
    return f"{name}-shell"


def settings_value(app: AppDeclaration) -> dict[str, Any]:
    """AppPack's `Settings` struct. No load balancer yet: its `arn`/`suffix` stay empty (Go's zero value)."""
    return {
        "cluster": {"arn": "", "name": app.ecs.cluster},
        "codebuild_project": {"name": app.codebuild_project},
        "log_group": {"name": app.ecs.log_group},
        "domains": list(app.domains),
        "shell": {"command": SHELL_COMMAND, "task_family": shell_task_family(app.name)},
        "load_balancer": {"arn": "", "suffix": ""},
        "target_group": {"arn": "", "suffix": ""},
        "stack_id": app.stack_id,
    }


def _run_task_args(ecs: EcsConfig) -> dict[str, Any]:
    network = {"subnets": ecs.subnets, "securityGroups": ecs.security_groups, "assignPublicIp": ecs.assign_public_ip}
    return {"cluster": ecs.cluster, "launchType": "FARGATE", "networkConfiguration": {"awsvpcConfiguration": network}}


def ecs_config_value(ecs: EcsConfig) -> dict[str, Any]:
    """`CONFIG#ecs` `value`: `run_task_args`, `run_task_args_fargate`, `task_definition_args` (ECS API names)."""
    container: dict[str, Any] = {
        "name": ecs.container_name,
        "image": ecs.image_repository_uri,
        "essential": True,
        "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": ecs.log_group}},
    }
    if ecs.container_port is not None:
        container["portMappings"] = [{"containerPort": ecs.container_port, "protocol": "tcp"}]
    return {
        "run_task_args": _run_task_args(ecs),
        "run_task_args_fargate": _run_task_args(ecs),
        "task_definition_args": {
            "executionRoleArn": ecs.execution_role_arn,
            "taskRoleArn": ecs.task_role_arn,
            "networkMode": "awsvpc",
            "requiresCompatibilities": ["FARGATE"],
            "cpu": str(ecs.default_cpu),
            "memory": str(ecs.default_memory),
            "containerDefinitions": [container],
        },
    }


def ecs_config_from_value(value: Any) -> EcsConfig:
    """Read `CONFIG#ecs` `value` back. Raises EcsConfigError naming what is missing."""
    cluster, default_cpu, default_memory = ecs_basics(value)
    try:
        run = value["run_task_args"]
        network = run.get("networkConfiguration", {}).get("awsvpcConfiguration", {})
        task = value["task_definition_args"]
        container = task["containerDefinitions"][0]
        ports = container.get("portMappings") or []
        return EcsConfig(
            cluster=cluster,
            execution_role_arn=task["executionRoleArn"],
            task_role_arn=task["taskRoleArn"],
            log_group=container["logConfiguration"]["options"]["awslogs-group"],
            image_repository_uri=container["image"],
            subnets=list(network.get("subnets") or []),
            security_groups=list(network.get("securityGroups") or []),
            assign_public_ip=network.get("assignPublicIp") or "DISABLED",
            container_name=container["name"],
            container_port=int(ports[0]["containerPort"]) if ports else None,
            default_cpu=default_cpu,
            default_memory=default_memory,
        )
    except (KeyError, IndexError, TypeError, AttributeError, ValueError, ValidationError) as error:
        raise EcsConfigError(f"{type(error).__name__}: {error}") from error


def app_items(app: AppDeclaration) -> list[dict[str, Any]]:
    settings_item = {
        "primary_id": keys.app_pk(app.name),
        "secondary_id": keys.SETTINGS_SK,
        "name": app.name,
        "kind": app.kind,
        "ecr_repository": {"name": app.ecr_repository, "uri": app.ecs.image_repository_uri},
        "value": settings_value(app),
    }
    ecs_config_item = {
        "primary_id": keys.app_pk(app.name),
        "secondary_id": keys.CONFIG_ECS_SK,
        "value": ecs_config_value(app.ecs),
    }
    lookup_item = {
        "primary_id": keys.codebuild_project_pk(app.codebuild_project),
        "secondary_id": keys.LOOKUP_SK,
        "app": app.name,
        "kind": app.kind,
    }
    index_item = {
        "primary_id": keys.APPS_PK,
        "secondary_id": keys.app_index_sk(app.name),
        "name": app.name,
        "kind": app.kind,
        "codebuild_project": app.codebuild_project,
    }
    return [settings_item, ecs_config_item, lookup_item, index_item]
