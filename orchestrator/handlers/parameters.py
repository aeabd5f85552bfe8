"""Parameter Store Change (under the orchestrator's prefix) → config, scaling, scheduled tasks, access lists."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orchestrator.events.patterns import PARAMETER_HANDLER
from orchestrator.events.ssm import ParameterStoreChangeEvent
from orchestrator.handlers.common import Response, handle
from orchestrator.observability import logger, metrics, traced

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def on_parameter_change(event: ParameterStoreChangeEvent) -> Response:
    from orchestrator.parameters.changes import apply_parameter_change  # the rollout, at the first event

    return apply_parameter_change(event).response()


@logger.inject_lambda_context
@metrics.log_metrics
@traced
def handler(event: dict[str, Any], context: LambdaContext) -> Response:
    return handle(
        event,
        handler_path=PARAMETER_HANDLER,
        model=ParameterStoreChangeEvent,
        logic=on_parameter_change,
        context=context,
    )
