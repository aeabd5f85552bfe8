"""Powertools Logger, Metrics and Tracer shared by every handler.

Powertools reads its own POWERTOOLS_* variables; constructing these objects builds no AWS client.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

from orchestrator.log_stream import log_stream

logger = Logger(service="orchestrator", stream=log_stream)  # type: ignore[arg-type]
metrics = Metrics(namespace="orchestrator", service="orchestrator")
tracer = Tracer(service="orchestrator")
