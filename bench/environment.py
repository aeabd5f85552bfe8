"""The process environment of a benchmark run, set before anything imports the orchestrator.

The values match tests/conftest.py and the Makefile: fake credentials (in-process moto never reaches AWS),
no X-Ray. The log level is INFO, as in Lambda, with the handlers' output sent to /dev/null, so that the
cost of the structured log lines is part of what is measured.
"""

from __future__ import annotations

import os
import warnings

LOG_LEVEL = "INFO"

BENCH_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_TRACE_DISABLED": "1",
    "POWERTOOLS_METRICS_NAMESPACE": "orchestrator",
    "POWERTOOLS_LOG_LEVEL": LOG_LEVEL,
}
# PYTHONDONTWRITEBYTECODE: the measured interpreters must find (and, the first time, write) bytecode, as an
# installed CLI or a Lambda asset does; without it every sample would include compiling the sources (uv does not
# compile at install, so typer and moto would be recompiled in every process).
UNSET = ("AWS_ENDPOINT_URL", "AWS_PROFILE", "PYTHONDONTWRITEBYTECODE")


def subprocess_environment() -> dict[str, str]:
    """The environment of the fresh interpreters the cold-start figure starts."""
    env = {k: v for k, v in os.environ.items() if k not in UNSET}
    env.update(BENCH_ENVIRONMENT)
    return env


def prepare() -> None:
    """Point this process at in-process moto only. Call before importing orchestrator modules."""
    os.environ.update(BENCH_ENVIRONMENT)
    for name in UNSET:
        os.environ.pop(name, None)
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
