"""CodeBuild Build State Change and Build Phase Change → build records (and, on success, the release)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from orchestrator.events.codebuild import BuildPhaseChangeEvent, BuildStateChangeEvent
from orchestrator.events.patterns import CODEBUILD_HANDLER
from orchestrator.handlers.common import Response, handle
from orchestrator.observability import logger, metrics, traced

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

CodeBuildEvent = Annotated[BuildStateChangeEvent | BuildPhaseChangeEvent, Field(discriminator="detail_type")]


def on_codebuild_event(event: BuildStateChangeEvent | BuildPhaseChangeEvent) -> Response:
    from orchestrator.pipeline.build_events import on_build_event  # the pipeline, at the first event

    outcome = on_build_event(event)
    return {"status": outcome.action, "app": outcome.app, "build_number": outcome.build_number, "step": outcome.step}


def saves_work(event: BuildStateChangeEvent | BuildPhaseChangeEvent) -> bool:
    """No CodeBuild event is worth idempotency's two writes on every first delivery. Every other event is one
    forward-only record write; a SUCCEEDED build's release is claimed step by step (`claimed_step`), so a
    redelivery gets each done step's stored result back without calling AWS (about 5 calls that change
    nothing, instead of 1; a first delivery saves 2)."""
    return False


@logger.inject_lambda_context
@metrics.log_metrics
@traced
def handler(event: dict[str, Any], context: LambdaContext) -> Response:
    return handle(
        event, handler_path=CODEBUILD_HANDLER, model=CodeBuildEvent, logic=on_codebuild_event, context=context,
        saves_work=saves_work,
    )  # fmt: skip
