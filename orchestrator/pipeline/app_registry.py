"""The DynamoDB items that declare an app: AppPack's `settings` item plus the orchestrator's lookups.

The AppStack writes exactly these items at deploy time, and the local emulator writes them when it
registers an app, so both stay in step with what the handlers read.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from orchestrator.pipeline import keys

AppKind = Literal["app", "pipeline"]
APP_NAME_PATTERN = r"^[a-z][a-z0-9-]{1,40}$"


class AppDeclaration(BaseModel):
    """An app (or a pipeline of review apps) as the stacks and the emulator declare it."""

    name: str = Field(pattern=APP_NAME_PATTERN)
    kind: AppKind = "app"
    codebuild_project: str
    cluster: str
    ecr_repository: str
    log_group: str

    def service_name(self, process: str) -> str:
        return f"{self.name}-{process}"


def app_items(app: AppDeclaration) -> list[dict[str, Any]]:
    settings_item = {
        "primary_id": keys.app_pk(app.name),
        "secondary_id": keys.SETTINGS_SK,
        "name": app.name,
        "kind": app.kind,
        "cluster": {"name": app.cluster},
        "codebuild_project": {"name": app.codebuild_project},
        "ecr_repository": {"name": app.ecr_repository},
        "log_group": {"name": app.log_group},
    }
    lookup_item = {
        "primary_id": keys.codebuild_project_pk(app.codebuild_project),
        "secondary_id": keys.LOOKUP_SK,
        "app": app.name,
        "kind": app.kind,
    }
    return [settings_item, lookup_item]
