"""ECS Task State Change (STOPPED) → the release or postdeploy step of a build, then its next step."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orchestrator.events.ecs import TaskStateChangeEvent
from orchestrator.events.patterns import ECS_TASK_HANDLER
from orchestrator.handlers.common import Response, handle
from orchestrator.observability import logger, metrics, traced

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def on_task_stopped(event: TaskStateChangeEvent) -> Response:
    from orchestrator.pipeline.release import record_task_stopped  # the pipeline, at the first event

    return record_task_stopped(event).response()


def saves_work(event: TaskStateChangeEvent) -> bool:
    """No task STOPPED is worth idempotency's two writes on every first delivery: the release's outcome is a
    forward-only record write, and the steps it starts (the deploy's services, the deploy claim, the
    notifications) are claimed, so a redelivery finds them done."""
    return False


@logger.inject_lambda_context
@metrics.log_metrics
@traced
def handler(event: dict[str, Any], context: LambdaContext) -> Response:
    return handle(
        event,
        handler_path=ECS_TASK_HANDLER,
        model=TaskStateChangeEvent,
        logic=on_task_stopped,
        context=context,
        saves_work=saves_work,
    )
