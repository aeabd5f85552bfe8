"""`domains add|remove` check the host's form before anything asks AWS: with no endpoint and no credentials,
a malformed host is a one-line user error (exit 2), not an AWS error."""

from __future__ import annotations

import subprocess
import sys

import pytest


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "AWS_CONFIG_FILE": "/dev/null",
           "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-c", "from orchestrator.cli.main import main; main()", *args],
        capture_output=True, text=True, env=env, check=False, timeout=60,
    )  # fmt: skip


@pytest.mark.parametrize("command", ["add", "remove"])
def test_a_malformed_host_exits_2_before_any_aws_call(command: str) -> None:
    result = run("domains", command, "-a", "demo", "not a host!")
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "'not a host!' is not a host name" in result.stderr
    assert "credentials" not in result.stderr
    assert "Traceback" not in result.stderr
