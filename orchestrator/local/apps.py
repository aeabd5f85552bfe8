"""Registering an app in the emulator: the same DynamoDB items the AppStack writes, plus the resources
the stack would create for it (CodeBuild project, ECR repository, log group)."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from orchestrator.adapters.clients import client
from orchestrator.adapters.store import Store
from orchestrator.pipeline import keys
from orchestrator.pipeline.app_registry import (
    BUILDSPEC_ARTIFACTS,
    AppDeclaration,
    AppKind,
    EcsConfig,
    app_items,
    build_variables,
    codebuild_project_name,
    ecr_repository_name,
    stack_name,
    task_log_group_name,
)
from orchestrator.settings import Settings, get_settings

ACCOUNT = "123456789012"


def local_app(name: str, kind: AppKind = "app", settings: Settings | None = None) -> AppDeclaration:
    """The declaration the AppStack would produce for `name`, with the emulator's account and region."""
    settings = settings or get_settings()
    region = settings.region
    return AppDeclaration(
        name=name,
        kind=kind,
        codebuild_project=codebuild_project_name(name),
        ecr_repository=ecr_repository_name(name),
        stack_id=f"arn:aws:cloudformation:{region}:{ACCOUNT}:stack/{stack_name(name, kind)}/local",
        ecs=EcsConfig(
            cluster=settings.cluster_name,
            execution_role_arn=f"arn:aws:iam::{ACCOUNT}:role/{name}-execution",
            task_role_arn=f"arn:aws:iam::{ACCOUNT}:role/{name}-task",
            log_group=task_log_group_name(name),
            image_repository_uri=f"{ACCOUNT}.dkr.ecr.{region}.amazonaws.com/{ecr_repository_name(name)}",
            subnets=settings.subnets or ["subnet-0123456789abcdef0"],
            security_groups=settings.security_groups or ["sg-0123456789abcdef0"],
        ),
    )


def _ignore_exists(error: ClientError) -> None:
    code = error.response.get("Error", {}).get("Code", "")
    if "AlreadyExists" not in code and code != "ResourceInUseException":
        raise error


def register_app(app: AppDeclaration, store: Store | None = None) -> None:
    """Write the app's items and create its per-app resources. Idempotent."""
    store = store or Store()
    for item in app_items(app):
        store.put(item)
    try:
        client("codebuild").create_project(
            name=app.codebuild_project,
            # The emulator simulates builds (orchestrator/local/simulate.py) rather than running the stack's
            # buildspec; the project still holds what AppPack's actions read: the buildspec's `artifacts`,
            # `artifacts.location` and the environment (as the AppStack declares them).
            source={"type": "GITHUB", "location": f"https://github.com/example/{app.name}.git",
                    "buildspec": json.dumps({"version": "0.2", "artifacts": BUILDSPEC_ARTIFACTS})},
            artifacts={"type": "S3", "location": get_settings().artifacts_bucket, "path": app.name, "name": "build",
                       "packaging": "NONE", "namespaceType": "NONE", "overrideArtifactName": True},
            environment={
                "type": "LINUX_CONTAINER",
                "image": "aws/codebuild/standard:7.0",
                "computeType": "BUILD_GENERAL1_SMALL",
                "privilegedMode": True,
                "environmentVariables": [
                    {"name": k, "value": v, "type": "PLAINTEXT"}
                    for k, v in build_variables(
                        app.name, app.kind, app.ecs.image_repository_uri, get_settings().artifacts_bucket
                    ).items()
                ],
            },
            serviceRole=f"arn:aws:iam::{ACCOUNT}:role/{app.name}-build",
        )
    except ClientError as error:
        _ignore_exists(error)
    try:
        client("ecr").create_repository(repositoryName=app.ecr_repository, imageTagMutability="IMMUTABLE")
    except ClientError as error:
        _ignore_exists(error)
    try:
        client("logs").create_log_group(logGroupName=app.ecs.log_group)
    except ClientError as error:
        _ignore_exists(error)


def registered_apps(store: Store | None = None) -> list[dict[str, Any]]:
    return (store or Store()).query(keys.APPS_PK, "APP#")
