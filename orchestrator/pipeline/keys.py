"""DynamoDB keys of the AppPack layout, plus the orchestrator's lookup items (never a Scan)."""

from __future__ import annotations

SETTINGS_SK = "settings"
CONFIG_ECS_SK = "CONFIG#ecs"
DEPLOYSTATUS_SK = "DEPLOYSTATUS"
BUILD_PREFIX = "BUILD#"
LOOKUP_SK = "lookup"
# The app index: listing apps is one Query on this partition, never a Scan.
APPS_PK = "APPS"
ROUTE_SK = "ROUTE#web"  # under APP#<app>: the app's web route (orchestrator/routing/web.py)


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


# The release pipeline's own items (orchestrator/pipeline/release.py, deploy.py).
DEPLOY_CLAIM_SK = "CLAIM#deploy"  # under APP#<app>: the newest build that started deploying (newest build wins)
DEPLOYED_SK = "DEPLOYED"  # under APP#<app>: what runs now (last successful deploy): build, task definitions
CLAIM_PREFIX = "CLAIM#"


def claim_sk(scope: str, action: str, target: str) -> str:
    """A side effect's claim, under APP#<app>: `CLAIM#<scope>#<action>#<target>`, e.g.
    `CLAIM#BUILD#0000000007#run-task#release`. Written with put_if_absent before the side effect is made."""
    return f"{CLAIM_PREFIX}{scope}#{action}#{target}"


def build_scope(build_number: int) -> str:
    return build_sk(build_number)


def deploystatus_sk(pr: str | None = None) -> str:
    """`DEPLOYSTATUS` for an app; a review app's is `DEPLOYSTATUS#<pr>` under its pipeline's key."""
    return DEPLOYSTATUS_SK if pr is None else f"{DEPLOYSTATUS_SK}#{pr}"


def app_index_sk(app: str) -> str:
    return f"APP#{app}"
