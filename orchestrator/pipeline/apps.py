"""An app as the release pipeline addresses it: records, SSM paths and ECS names.

demo          an app:       APP#demo, /<prefix>/apps/demo/..., services demo-<process>
pipe:12       review app 12 of pipeline `pipe`: APP#pipe:12 for its builds, the pipeline's CONFIG#ecs,
              /<prefix>/pipelines/pipe/... and /<prefix>/pipelines/pipe/review-apps/pr/12/...,
              services pipe-pr12-<process> (ECS names allow no ':'), DEPLOYSTATUS#12 under APP#pipe
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from orchestrator.pipeline import keys

# AppPack's task tags: `appName` is the app, or the pipeline of a review app, which also carries
# `reviewApp=pr/<N>` (what AppPack's `ps` filters a review app's tasks by).
APP_TAG = "apppack:appName"
REVIEW_APP_TAG = "apppack:reviewApp"
REVIEW_APP_PREFIX = "pr/"


@dataclass(frozen=True)
class AppRef:
    name: str

    @property
    def pipeline(self) -> str | None:
        return self.name.split(":", 1)[0] if ":" in self.name else None

    @property
    def pr(self) -> str | None:
        return self.name.split(":", 1)[1] if ":" in self.name else None

    @property
    def is_review_app(self) -> bool:
        return ":" in self.name

    @property
    def declared_name(self) -> str:
        """The app (or pipeline) whose stack wrote `settings` and `CONFIG#ecs`."""
        return self.pipeline or self.name

    @property
    def resource_name(self) -> str:
        """The base of ECS names: task-definition families and services."""
        return f"{self.pipeline}-pr{self.pr}" if self.is_review_app else self.name

    def ecs_name(self, process: str) -> str:
        """Task-definition family and service name of a process type: `<app>-<process>`."""
        return f"{self.resource_name}-{process}"

    def config_paths(self, prefix: str) -> list[str]:
        """Config parameter paths, lowest precedence first (a review app's own config wins)."""
        if self.is_review_app:
            base = f"/{prefix}/pipelines/{self.pipeline}"
            return [f"{base}/config/", f"{base}/review-apps/pr/{self.pr}/config/"]
        return [f"/{prefix}/apps/{self.name}/config/"]

    def scaling_names(self, prefix: str) -> list[str]:
        """Scaling parameters, first found wins (a review app falls back to its pipeline's)."""
        if self.is_review_app:
            base = f"/{prefix}/pipelines/{self.pipeline}"
            return [f"{base}/review-apps/pr/{self.pr}/scaling", f"{base}/scaling"]
        return [f"/{prefix}/apps/{self.name}/scaling"]

    @property
    def deploystatus_key(self) -> tuple[str, str]:
        if self.is_review_app:
            return keys.app_pk(self.declared_name), keys.deploystatus_sk(self.pr)
        return keys.app_pk(self.name), keys.deploystatus_sk()


def app_tags(app: AppRef) -> dict[str, str]:
    """The tags that name `app` on an ECS resource (task definition, service, task, target group)."""
    tags = {APP_TAG: app.declared_name}
    if app.is_review_app:
        tags[REVIEW_APP_TAG] = f"{REVIEW_APP_PREFIX}{app.pr}"
    return tags


def app_from_tags(tags: Mapping[str, str]) -> str | None:
    """The app a resource's tags name (`pipe:12` for a review app), or None when they name none."""
    app = tags.get(APP_TAG)
    review = tags.get(REVIEW_APP_TAG, "")
    if app and review.startswith(REVIEW_APP_PREFIX) and review[len(REVIEW_APP_PREFIX):]:
        return f"{app}:{review[len(REVIEW_APP_PREFIX):]}"
    return app or None
