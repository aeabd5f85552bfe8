"""Powertools Logger, Metrics and Tracer shared by every handler.

Powertools reads its own POWERTOOLS_* variables; constructing these objects builds no AWS client.
The Tracer is built on first use: constructing it loads the X-Ray SDK (over half a second), which the
domain code, the CLI and the emulator never need; the handlers, which decorate with it, build it at import.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger, Metrics

from orchestrator.log_stream import log_stream

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

logger = Logger(service="orchestrator", stream=log_stream)  # type: ignore[arg-type]
metrics = Metrics(namespace="orchestrator", service="orchestrator")


@cache
def _tracer() -> Tracer:
    from aws_lambda_powertools import Tracer

    return Tracer(service="orchestrator")


def __getattr__(name: str) -> Tracer:
    """`from orchestrator.observability import tracer` (PEP 562: only that name is computed)."""
    if name == "tracer":
        return _tracer()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
