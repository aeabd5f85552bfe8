"""Run the CLI in this process, the way the console entry point does (`main()`), against moto."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from orchestrator.cli.main import main
from orchestrator.local.apps import local_app, register_app
from orchestrator.log_stream import log_stream
from orchestrator.observability import logger
from tests.conftest import fresh_aws


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str


Cli = Callable[..., Result]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    def run(*args: str) -> Result:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["orchestrator", *args])
        handler = logger.registered_handler
        stream = handler.stream if isinstance(handler, logging.StreamHandler) else None
        try:
            main()
            code = 0
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        finally:
            if stream is not None:  # the CLI points the log at this test's (soon closed) stderr: undo it
                handler.stream = stream
            log_stream.to_stderr = False
        out = capsys.readouterr()
        return Result(code, out.out, out.err)

    return run


@pytest.fixture
def shop() -> Iterator[str]:
    """A fresh moto account with the app `shop` and the pipeline `rev` declared, as `local register` does."""
    with fresh_aws():
        register_app(local_app("shop"))
        register_app(local_app("rev", "pipeline"))
        yield "shop"


def one_line_error(result: Result, code: int) -> str:
    """The error line of a failed command, after checking it is one line, the code, and no traceback."""
    assert result.code == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]
