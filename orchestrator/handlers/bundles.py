"""S3 Object Created under bundles/ in the bundle bucket → deploy the uploaded bundle."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orchestrator.events.patterns import BUNDLE_HANDLER
from orchestrator.events.s3 import ObjectCreatedEvent
from orchestrator.handlers.common import Response, handle
from orchestrator.observability import logger, metrics, traced

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def on_object_created(event: ObjectCreatedEvent) -> Response:
    from orchestrator.bundles.uploads import UploadedObject, deploy_upload  # the deployer, at the first event

    detail = event.detail
    upload = UploadedObject(
        bucket=detail.bucket.name,
        key=detail.object.key,
        version_id=detail.object.version_id,
        sequencer=detail.object.sequencer,
        event_id=event.id,
    )
    return deploy_upload(upload).to_dict()


@logger.inject_lambda_context
@metrics.log_metrics
@traced
def handler(event: dict[str, Any], context: LambdaContext) -> Response:
    return handle(
        event, handler_path=BUNDLE_HANDLER, model=ObjectCreatedEvent, logic=on_object_created, context=context
    )
