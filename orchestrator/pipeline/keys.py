"""DynamoDB keys of the AppPack layout, plus the orchestrator's lookup items (never a Scan)."""

from __future__ import annotations

SETTINGS_SK = "settings"
CONFIG_ECS_SK = "CONFIG#ecs"
DEPLOYSTATUS_SK = "DEPLOYSTATUS"
BUILD_PREFIX = "BUILD#"
LOOKUP_SK = "lookup"


def app_pk(app: str) -> str:
    return f"APP#{app}"


def build_sk(build_number: int) -> str:
    return f"{BUILD_PREFIX}{build_number:010d}"


def codebuild_project_pk(project: str) -> str:
    """Lookup: a CodeBuild project to the app (or pipeline) that owns it."""
    return f"CODEBUILD#{project}"


def task_pk(task_arn: str) -> str:
    """Lookup: an ECS task (release or postdeploy) to its app, build and step."""
    return f"TASK#{task_arn}"


def deployment_pk(deployment_id: str) -> str:
    """Lookup: an ECS deployment id to its app, build and service."""
    return f"DEPLOYMENT#{deployment_id}"
