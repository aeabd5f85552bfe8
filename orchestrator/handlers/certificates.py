"""ACM Certificate Available, or the certificates route's schedule → pending custom-domain certificates
attached once issued, deferred certificate deletions retried."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orchestrator.events.acm import CertificateCheckEvent
from orchestrator.events.patterns import CERTIFICATE_HANDLER
from orchestrator.handlers.common import Response, handle
from orchestrator.observability import logger, metrics, traced

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def on_certificate_check(event: CertificateCheckEvent) -> Response:
    from orchestrator.routing.certificates import reconcile_certificates  # routing, at the first event

    return reconcile_certificates(event.certificate_arns).response()


@logger.inject_lambda_context
@metrics.log_metrics
@traced
def handler(event: dict[str, Any], context: LambdaContext) -> Response:
    return handle(
        event,
        handler_path=CERTIFICATE_HANDLER,
        model=CertificateCheckEvent,
        logic=on_certificate_check,
        context=context,
    )
