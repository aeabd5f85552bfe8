"""GitHub webhook deliveries: an opened pull request creates its review app, a closed one destroys it.

- The signature comes first: `X-Hub-Signature-256` must be `sha256=<HMAC-SHA256 of the raw body>` under the
  webhook's secret (Secrets Manager), compared in constant time. Anything else gets 401 and changes nothing.
- `pull_request` with action `opened` or `reopened` writes the review app's status parameter as `review-apps
  create` does (`created`, with the PR's branch, title and URL); one already `created` is left as it is, and
  one still being destroyed is refused (409: reopen once the teardown ended).
- `pull_request` with action `closed` sets the review app's status parameter to
  `deleting` (keeping its other fields). The parameters handler then tears the review app down, exactly as
  after `orchestrator review-apps destroy`. A PR without a review app, a redelivery, or any other event: 2xx,
  nothing changes.
- The pipeline is named by the URL (`/pipelines/<pipeline>`): one webhook per repository and pipeline.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from orchestrator.adapters.review_app_status import Secrets, StatusParameters
from orchestrator.observability import logger
from orchestrator.pipeline.names import APP_NAME_PATTERN
from orchestrator.review_apps.status import (
    CREATED,
    DELETING,
    ReviewAppStatus,
    parse_status,
    status_parameter_name,
)
from orchestrator.settings import get_settings

SIGNATURE_PREFIX = "sha256="
MAX_PR_NUMBER = 9_999_999_999  # the parameter name's bound (names.py)


def signature(secret: str, body: bytes) -> str:
    """What GitHub sends in X-Hub-Signature-256 for `body` under `secret`."""
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(secret: str, body: bytes, header: str | None) -> bool:
    return bool(secret and header) and hmac.compare_digest(signature(secret, body), str(header))


class _Branch(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import (cold start)

    ref: str = ""


class _PullRequest(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)

    html_url: str = ""
    title: str = ""
    head: _Branch = _Branch()


class PullRequestDelivery(BaseModel):
    """The fields of GitHub's `pull_request` webhook payload that are used here."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    action: str
    number: int
    pull_request: _PullRequest = _PullRequest()


OPENING = ("opened", "reopened")


@dataclass
class WebhookDeps:
    statuses: StatusParameters = field(default_factory=StatusParameters)
    secrets: Secrets = field(default_factory=Secrets)


@dataclass(frozen=True)
class WebhookReply:
    status_code: int
    body: dict[str, Any]


def on_github_delivery(
    pipeline: str, event_name: str | None, signature_header: str | None, body: bytes, deps: WebhookDeps
) -> WebhookReply:
    """Verify, then act on one delivery. Returns the HTTP status and JSON body to answer GitHub with."""
    settings = get_settings()
    if not settings.github_webhook_secret_arn:
        logger.error("GitHub webhook secret is not configured; delivery refused")
        return WebhookReply(503, {"message": "the webhook secret is not configured"})
    if not signature_valid(deps.secrets.value(settings.github_webhook_secret_arn), body, signature_header):
        logger.warning("GitHub delivery with a missing or bad signature; refused", extra={"pipeline": pipeline})
        return WebhookReply(401, {"message": "bad signature"})
    if event_name == "ping":
        return WebhookReply(200, {"message": "pong"})
    if event_name != "pull_request":
        return WebhookReply(202, {"message": f"{event_name or 'unnamed'} event ignored"})
    if not re.fullmatch(APP_NAME_PATTERN, pipeline):
        return WebhookReply(400, {"message": f"{pipeline[:50]!r} is not a pipeline name"})
    try:
        delivery = PullRequestDelivery.model_validate_json(body)
    except ValidationError as error:
        return WebhookReply(400, {"message": f"not a pull_request payload: {error.errors()[0]['msg']}"})
    if delivery.action not in OPENING and delivery.action != "closed":
        return WebhookReply(202, {"message": f"pull request {delivery.action}: nothing to do"})
    if not 1 <= delivery.number <= MAX_PR_NUMBER:
        return WebhookReply(400, {"message": f"pull request number {delivery.number} is out of range"})
    app = f"{pipeline}:{delivery.number}"
    name = status_parameter_name(pipeline, str(delivery.number), settings.ssm_prefix)
    current = parse_status(deps.statuses.read(name))
    if delivery.action in OPENING:
        return _create(app, name, delivery, current, deps)
    if current is None:
        return WebhookReply(200, {"message": f"{app} has no review app: nothing to do"})
    if current.status == DELETING:
        return WebhookReply(202, {"message": f"review app {app} is already being destroyed"})
    pr = delivery.pull_request
    deleting = ReviewAppStatus(
        pull_request=current.pull_request, status=DELETING, branch=current.branch or pr.head.ref,
        title=current.title or pr.title, url=current.url or pr.html_url,
    )  # fmt: skip
    deps.statuses.write(name, deleting.to_json())
    logger.info("pull request closed: review app destroy requested", extra={"app": app})
    return WebhookReply(202, {"message": f"review app {app} is being destroyed"})


def _create(
    app: str, name: str, delivery: PullRequestDelivery, current: ReviewAppStatus | None, deps: WebhookDeps
) -> WebhookReply:
    if current is not None and current.status == CREATED:
        return WebhookReply(200, {"message": f"review app {app} already exists"})
    if current is not None and current.status == DELETING:
        return WebhookReply(409, {"message": f"review app {app} is being destroyed; reopen the PR once it is gone"})
    pr = delivery.pull_request
    created = ReviewAppStatus(
        pull_request=f"pr/{delivery.number}", status=CREATED, branch=pr.head.ref, title=pr.title, url=pr.html_url
    )
    deps.statuses.write(name, created.to_json())
    logger.info("pull request opened: review app created", extra={"app": app})
    return WebhookReply(201, {"message": f"review app {app} created; its builds now deploy"})
