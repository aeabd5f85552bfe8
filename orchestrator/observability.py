"""Powertools Logger, Metrics and Tracer shared by every handler.

Powertools reads its own POWERTOOLS_* variables; constructing these objects builds no AWS client.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger(service="orchestrator")
metrics = Metrics(namespace="orchestrator", service="orchestrator")
tracer = Tracer(service="orchestrator")
