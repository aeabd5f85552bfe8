"""GitHub webhook deliveries on the Lambda function URL → `review_apps/github.py` (a closed PR's review app)."""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver, Response

from orchestrator.observability import logger, metrics, traced

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from orchestrator.review_apps.github import WebhookDeps

resolver = LambdaFunctionUrlResolver()
_deps: WebhookDeps | None = None  # built on the first delivery (clients are lazy): the secret stays cached


def _raw_body() -> bytes:
    """The body exactly as GitHub signed it (function URLs base64-encode what they do not see as text)."""
    event = resolver.current_event
    body = event.body or ""
    return base64.b64decode(body) if event.is_base64_encoded else body.encode()


@resolver.post("/pipelines/<pipeline>")
def github_delivery(pipeline: str) -> Response[str]:
    from orchestrator.review_apps.github import WebhookDeps, on_github_delivery  # at the first delivery

    global _deps
    _deps = _deps or WebhookDeps()
    headers = resolver.current_event
    reply = on_github_delivery(
        pipeline,
        headers.get_header_value("x-github-event", case_sensitive=False),
        headers.get_header_value("x-hub-signature-256", case_sensitive=False),
        _raw_body(),
        _deps,
    )
    return Response(status_code=reply.status_code, content_type="application/json", body=json.dumps(reply.body))


@logger.inject_lambda_context
@metrics.log_metrics
@traced
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return resolver.resolve(event, context)
