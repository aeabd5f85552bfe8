"""A review app's status parameter, as AppPack's CLI reads it, and what it allows.

`/<prefix>/pipelines/<p>/review-apps/pr/<N>` holds JSON with AppPack's `ReviewApp` fields (app/app.go):
`pull_request` (`pr/<N>`), `status`, `branch`, `title`, `url`. AppPack's CLI lists a review app and lets
its builds run only when `status` is `created`; so does the orchestrator:

- `created`: the review app exists; a build of `pr/<N>` deploys it;
- `deleting`: tear it down (the parameters handler does it, then deletes the parameter);
- anything else, a missing parameter, or a value that is not this JSON: no review app; a build of
  `pr/<N>` is recorded with the reason and deploys nothing.
"""

from __future__ import annotations

import json

from pydantic import BaseModel, ConfigDict, ValidationError

from orchestrator.parameters.names import ParameterKind, Target, kind_name

CREATED = "created"
DELETING = "deleting"
DESTROYED = "destroyed"  # only in the orchestrator's record: the parameter itself is deleted


class ReviewAppStatus(BaseModel):
    """The status parameter's JSON (AppPack's field names; unknown fields are kept by AppPack, ignored here)."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    pull_request: str
    status: str
    branch: str = ""
    title: str = ""
    url: str = ""

    def to_json(self) -> str:
        return json.dumps(self.model_dump(), sort_keys=True)


def status_parameter_name(pipeline: str, pr: str, prefix: str) -> str:
    return kind_name(Target("review_app", pipeline, pr), ParameterKind.REVIEW_APP_STATUS, prefix)


def parse_status(value: str | None) -> ReviewAppStatus | None:
    """The status in a parameter value; None when missing or not AppPack's JSON (then there is no review app)."""
    if value is None:
        return None
    try:
        return ReviewAppStatus.model_validate_json(value)
    except ValidationError:
        return None


def deploy_refusal(app: str, parameter: str, status: ReviewAppStatus | None) -> str | None:
    """Why a build of review app `app` (`<pipeline>:<N>`) may not deploy, or None when it may. Pure."""
    if status is not None and status.status == CREATED:
        return None
    now = "does not exist" if status is None else f"has status {status.status!r}"
    return (
        f"not deployed: review app {app} {now} ({parameter}); a pull request's builds deploy only once its "
        f"review app is created: `orchestrator review-apps create -a {app}`"
    )
