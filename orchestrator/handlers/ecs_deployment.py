"""ECS Deployment State Change → the deploy phase of a build, and DEPLOYSTATUS when it ends."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orchestrator.events.ecs import DeploymentStateChangeEvent
from orchestrator.events.patterns import ECS_DEPLOYMENT_HANDLER
from orchestrator.handlers.common import Response, handle
from orchestrator.observability import logger, metrics, traced

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def on_deployment_event(event: DeploymentStateChangeEvent) -> Response:
    from orchestrator.pipeline.deploy import record_deployment_event  # the pipeline, at the first event

    return record_deployment_event(event).response()


def saves_work(event: DeploymentStateChangeEvent) -> bool:
    """No deployment event is worth idempotency's two writes on every first delivery: each records with one
    forward-only UpdateItem, and the end of a deploy (the release's status, DEPLOYSTATUS, DEPLOYED, the
    post-deploy hooks, the notifications) is conditional writes and claims that a redelivery finds done
    (a redelivered last COMPLETED costs about 7 calls that change nothing, instead of 1)."""
    return False


@logger.inject_lambda_context
@metrics.log_metrics
@traced
def handler(event: dict[str, Any], context: LambdaContext) -> Response:
    return handle(
        event,
        handler_path=ECS_DEPLOYMENT_HANDLER,
        model=DeploymentStateChangeEvent,
        logic=on_deployment_event,
        context=context,
        saves_work=saves_work,
    )
