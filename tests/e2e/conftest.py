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


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    state_dir = tmp_path_factory.mktemp("emulator")
    up = cli("local", "up", "--state-dir", str(state_dir), "--json")
    assert up.returncode == 0, up.stderr
    state = as_json(up)
    env = {"AWS_ENDPOINT_URL": state["endpoint"], "ORCHESTRATOR_LOCAL_STATE_DIR": str(state_dir)}
    try:
        # Registering is idempotent; once here, so each test can rely on the app without its own subprocess.
        registered = cli("local", "register", "shop", env=env)
        assert registered.returncode == 0, registered.stderr
        yield {**env, "pid": str(state["pid"])}
    finally:
        down = cli("local", "down", "--state-dir", str(state_dir))
        assert down.returncode == 0, down.stderr
        with pytest.raises(ProcessLookupError):
            os.kill(int(state["pid"]), 0)  # no process left behind
        assert not (Path(state_dir) / "state.json").exists()


def emulator_env(emulator: dict[str, str]) -> dict[str, str]:
    """The environment that points the CLI at the module's emulator."""
    return {k: v for k, v in emulator.items() if k != "pid"}
