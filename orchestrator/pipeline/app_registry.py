"""The DynamoDB items that declare an app: AppPack's `settings` and `CONFIG#ecs` items, plus the
orchestrator's lookup item and its entry in the app index.

The AppStack writes exactly these items at deploy time (a custom resource calling PutItem), and the local
emulator writes them when it registers an app, so both stay in step with what the handlers read.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from orchestrator.pipeline import keys
from orchestrator.pipeline.names import APP_NAME_PATTERN, app_name_error

AppKind = Literal["app", "pipeline"]
# App names that would collide with a path segment the IAM policies give a meaning to (the stacks and
# `local register` both refuse them).
RESERVED_APP_NAMES = frozenset({"config", "account", "apps", "pipelines", "review-apps"})


# The names of an app's own resources: the AppStack creates them, the emulator uses the same.
def codebuild_project_name(app: str) -> str:
    return f"orchestrator-{app}"


def ecr_repository_name(app: str) -> str:
    return f"orchestrator/{app}"


def task_log_group_name(app: str) -> str:
    return f"/orchestrator/apps/{app}"


class EcsConfig(BaseModel):
    """The base of every task definition and RunTask call of an app (the `CONFIG#ecs` item)."""

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
    default_cpu: int = 256
    default_memory: int = 512


class AppDeclaration(BaseModel):
    """An app (or a pipeline of review apps) as the stacks and the emulator declare it."""

    name: str = Field(pattern=APP_NAME_PATTERN)
    kind: AppKind = "app"
    codebuild_project: str
    ecr_repository: str
    ecs: EcsConfig

    @field_validator("name")
    @classmethod
    def _unambiguous(cls, name: str) -> str:
        error = app_name_error(name)
        if error is not None:
            raise ValueError(error)
        return name

    def service_name(self, process: str) -> str:
        return f"{self.name}-{process}"


def app_items(app: AppDeclaration) -> list[dict[str, Any]]:
    settings_item = {
        "primary_id": keys.app_pk(app.name),
        "secondary_id": keys.SETTINGS_SK,
        "name": app.name,
        "kind": app.kind,
        "cluster": {"name": app.ecs.cluster},
        "codebuild_project": {"name": app.codebuild_project},
        "ecr_repository": {"name": app.ecr_repository, "uri": app.ecs.image_repository_uri},
        "log_group": {"name": app.ecs.log_group},
    }
    ecs_config_item = {
        "primary_id": keys.app_pk(app.name),
        "secondary_id": keys.CONFIG_ECS_SK,
        **app.ecs.model_dump(mode="json"),
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
