"""What every handler does around its one logic call.

0. The SDK's clients get their full retry quota back (adapters/retry_quotas.py: a warm container's earlier
   invocations must not leave this one without retries).
1. An event that this handler's route does not match (a foreign or sample event) is acknowledged.
2. The event is validated by its pydantic model (as Powertools' parser would); a malformed event is logged,
   counted and raised, so Lambda's bounded retries end in the dead-letter queue and no data is lost.
3. Exact redeliveries (same EventBridge `id`) of an event that may start side effects are absorbed by
   Powertools idempotency, in the same table: a redelivery costs one write instead of the logic's reads
   and claim look-ups. Events that only record (`saves_work` says which) skip it: their one forward-only
   write is itself idempotent, and idempotency would add two writes to each first delivery. Powertools'
   idempotency utility (and boto3, through its DynamoDB layer) is imported by the first event that uses it,
   so neither a handler's import nor a record-only event pays for it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import TypeAdapter, ValidationError

from orchestrator.bounded_json import JsonBoundsError, check_json_bounds
from orchestrator.events.patterns import EventRoute, event_routes
from orchestrator.invocation import handling
from orchestrator.observability import logger, metrics
from orchestrator.settings import get_settings

ModelT = TypeVar("ModelT")
Response = dict[str, Any]


class MalformedEventError(ValueError):
    """The event matched our rule but does not have the shape AWS documents."""


def route_for(handler_path: str) -> EventRoute:
    settings = get_settings()
    routes = event_routes(ssm_prefix=settings.ssm_prefix, bundle_bucket=settings.bundle_bucket)
    return next(r for r in routes if r.handler == handler_path)


@cache
def _adapter(model: Any) -> TypeAdapter[Any]:
    """One pydantic TypeAdapter per event model, built at its first event. (What Powertools' `parse` does without
    an envelope; its parser package, in the pinned layer's release, builds every built-in event model at import:
    over a second of a cold start.)"""
    return TypeAdapter(model)


def reset_idempotency() -> None:
    from orchestrator.adapters.idempotency import reset_persistence_layer

    reset_persistence_layer()


def handle(
    event: dict[str, Any],
    *,
    handler_path: str,
    model: Any,
    logic: Callable[[Any], Response],
    context: Any = None,
    saves_work: Callable[[Any], bool] | None = None,
) -> Response:
    """`saves_work(parsed)`: whether idempotency is worth its two writes for this event (default: always)."""
    # Each invocation gets botocore's full retry quota back (a small module; handlers import no adapter).
    from orchestrator.adapters.retry_quotas import renew_retry_quotas

    renew_retry_quotas()
    route = route_for(handler_path)
    try:
        # Before anything walks or serializes it (matching, pydantic, the idempotency hash): no RecursionError.
        check_json_bounds(event, what="event")
    except JsonBoundsError as error:
        metrics.add_metric(name="MalformedEvents", unit=MetricUnit.Count, value=1)
        logger.error(f"malformed event: {error}")
        raise MalformedEventError(str(error)) from error
    if not isinstance(event, dict) or not route.accepts(event):
        logger.debug("event not for this handler; acknowledged", extra={"route": route.name})
        return {"status": "ignored", "reason": "no rule of this handler matches the event"}
    try:
        parsed = _adapter(model).validate_python(event)
    except ValidationError as error:
        metrics.add_metric(name="MalformedEvents", unit=MetricUnit.Count, value=1)
        message = f"malformed {event.get('detail-type')} event {event.get('id')}: {error.error_count()} errors"
        logger.error(message, extra={"errors": error.errors(include_url=False, include_input=False)})
        raise MalformedEventError(message) from error

    if saves_work is not None and not saves_work(parsed):
        with handling(str(event.get("id") or "") or None):
            return logic(parsed)

    return _run_once(event, parsed, logic, context)


def _run_once(event: dict[str, Any], parsed: Any, logic: Callable[[Any], Response], context: Any) -> Response:
    """`logic(parsed)` behind Powertools idempotency, keyed on the event id."""
    # Imported here: only the events that start side effects pay for Powertools idempotency and its boto3.
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

    from orchestrator.adapters.idempotency import persistence_layer

    config = IdempotencyConfig(event_key_jmespath="id", raise_on_no_idempotency_key=False)
    if context is not None:
        config.register_lambda_context(context)

    # Powertools' decorator is untyped; the wrapped function's signature is unchanged.
    @idempotent_function(  # type: ignore[untyped-decorator]
        data_keyword_argument="raw",
        persistence_store=persistence_layer(),
        config=config,
    )
    def run_once(raw: dict[str, Any]) -> Response:
        # Claims taken for this event carry its id, so a retry of it resumes its own claims (claims.py).
        with handling(str(event.get("id") or "") or None):
            return logic(parsed)

    try:
        response: Response = run_once(raw=event)
    except IdempotencyAlreadyInProgressError:
        # Another attempt of this event holds the in-progress record, or held it and its clean-up failed
        # (a fault): Powertools would refuse it until the record expires, and Lambda's retries could run out
        # first. The logic is safe to repeat (claims, forward-only records), so it runs.
        logger.info("idempotency record in progress; handled again", extra={"event_id": event.get("id")})
        with handling(str(event.get("id") or "") or None):
            response = logic(parsed)
    return response
