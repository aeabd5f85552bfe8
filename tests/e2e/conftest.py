"""End-to-end tests drive the emulator only through public interfaces: the CLI and boto3 on the endpoint."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from orchestrator.log_stream import log_stream
from orchestrator.observability import logger
from tests.conftest import reset_process_state

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _clean_process_state() -> Iterator[None]:
    # The CLI points the Powertools log handler at its stderr; run in-process (typer's CliRunner) that is
    # the runner's stream, closed when the command returns. Put the test process's own stream back.
    handler = logger.registered_handler
    stream = handler.stream if isinstance(handler, logging.StreamHandler) else None
    yield
    if stream is not None and isinstance(handler, logging.StreamHandler):
        handler.stream = stream
    log_stream.to_stderr = False
    reset_process_state()


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """The installed CLI in a subprocess, as an operator runs it."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-c", "from orchestrator.cli.main import main; main()", *args],
        capture_output=True, text=True, env=full_env, cwd=ROOT, timeout=timeout, check=False,
    )  # fmt: skip


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    import json

    return json.loads(result.stdout)
