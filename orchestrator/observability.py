"""Powertools Logger and Metrics shared by every handler, and the handlers' tracing decorator.

Powertools reads its own POWERTOOLS_* variables; constructing these objects builds no AWS client.
Powertools' Tracer loads the X-Ray SDK (over half a second, and its own sampling client) even when tracing
is off, so nothing imports it unless the settings turn X-Ray subsegments on (`ORCHESTRATOR_XRAY_SUBSEGMENTS`).
Lambda's built-in tracing (the stack's `Tracing.ACTIVE`: one segment per invocation) needs no SDK in the
function and stays on either way.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, wraps
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools import Logger, Metrics

from orchestrator.log_stream import log_stream

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

logger = Logger(service="orchestrator", stream=log_stream)  # type: ignore[arg-type]
metrics = Metrics(namespace="orchestrator", service="orchestrator")

ResultT = TypeVar("ResultT")
LambdaHandler = Callable[[Any, Any], ResultT]


@cache
def _tracer() -> Tracer:
    from aws_lambda_powertools import Tracer

    return Tracer(service="orchestrator")


def _subsegments_on() -> bool:
    # Imported here: the settings model (pydantic-settings) is not part of a handler's cold import.
    from orchestrator.settings import get_settings

    return get_settings().xray_subsegments


def traced(handler: LambdaHandler[ResultT]) -> LambdaHandler[ResultT]:
    """Powertools' `capture_lambda_handler` when the settings turn X-Ray subsegments on, else `handler` as is.
    Decided at the first invocation (the settings are read then, not at import), once per process."""
    chosen: list[LambdaHandler[ResultT]] = []

    @wraps(handler)
    def invoke(event: Any, context: Any) -> ResultT:
        if not chosen:
            chosen.append(_tracer().capture_lambda_handler(handler) if _subsegments_on() else handler)
        return chosen[0](event, context)

    return invoke


def __getattr__(name: str) -> Tracer:
    """`from orchestrator.observability import tracer`, for code that records its own subsegments
    (PEP 562: built on first access only)."""
    if name == "tracer":
        return _tracer()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
