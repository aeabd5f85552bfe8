"""One rule finds the emulator from any directory; `local up`/`down` are idempotent and `eval`-able (issue 15,
items 8 and 16). Runs the installed CLI in subprocesses with no AWS credentials, as a newcomer's shell."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ORCHESTRATOR = Path(sys.executable).parent / "orchestrator"


def _env(state_home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ORCHESTRATOR_"))}
    env.update(
        XDG_STATE_HOME=str(state_home), AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_CONFIG_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true", AWS_DEFAULT_REGION="us-east-1",
    )  # fmt: skip
    return env


def run(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ORCHESTRATOR), *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=180, check=False
    )


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, dict[str, str]]]:
    root = tmp_path_factory.mktemp("discovery")
    here, elsewhere = root / "here", root / "elsewhere"
    here.mkdir()
    elsewhere.mkdir()
    env = _env(root / "state")
    try:
        yield here, elsewhere, env
    finally:
        run(elsewhere, env, "local", "down")
        shutil.rmtree(root / "state", ignore_errors=True)


def test_up_prints_only_exports_and_is_idempotent(home: tuple[Path, Path, dict[str, str]]) -> None:
    here, _, env = home
    first = run(here, env, "local", "up")
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines  # eval "$(orchestrator local up)": only export lines
    assert all(line.startswith("export ") for line in lines)
    assert "emulator running at" in first.stderr
    again = run(here, env, "local", "up")
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout
    assert "already running" in again.stderr


def test_found_from_elsewhere_with_a_hint_to_export(home: tuple[Path, Path, dict[str, str]]) -> None:
    here, elsewhere, env = home
    endpoint = run(here, env, "local", "up").stdout.splitlines()[0].split("=", 1)[1]
    status = run(elsewhere, env, "local", "status")
    assert status.returncode == 0
    assert endpoint in status.stdout
    # Not pointed at the emulator and no credentials: one line that says what to export.
    apps = run(elsewhere, env, "apps")
    assert apps.returncode == 1
    assert "Traceback" not in apps.stderr
    assert apps.stderr.strip().endswith(f"export AWS_ENDPOINT_URL={endpoint}")
    # `local register` uses the emulator it finds; a kind change and a reserved name are refused.
    assert run(elsewhere, env, "local", "register", "shop").returncode == 0
    changed = run(elsewhere, env, "local", "register", "shop", "--kind", "pipeline")
    assert changed.returncode == 2
    assert "already registered as an app" in changed.stderr
    reserved = run(elsewhere, env, "local", "register", "config")
    assert reserved.returncode == 2
    assert "reserved" in reserved.stderr
    evaluated = subprocess.run(
        ["bash", "-c", f'eval "$({ORCHESTRATOR} local up)" && {ORCHESTRATOR} apps --json'],
        capture_output=True, text=True, env=env, cwd=elsewhere, timeout=180, check=False,
    )  # fmt: skip
    assert evaluated.returncode == 0, evaluated.stderr
    assert '"name": "shop"' in evaluated.stdout


def test_down_from_elsewhere_then_down_again(home: tuple[Path, Path, dict[str, str]]) -> None:
    here, elsewhere, env = home
    assert run(here, env, "local", "up").returncode == 0
    down = run(elsewhere, env, "local", "down")
    assert down.returncode == 0, down.stderr
    assert "emulator stopped" in down.stderr
    again = run(elsewhere, env, "local", "down")
    assert again.returncode == 0
    assert "no emulator was running" in again.stderr
    assert run(here, env, "local", "status").returncode == 1


def test_no_credentials_and_no_emulator_says_both_ways_forward(tmp_path: Path) -> None:
    env = _env(tmp_path / "state")  # a state home where no emulator ever ran
    apps = run(tmp_path, env, "apps")
    assert apps.returncode == 1
    assert "Traceback" not in apps.stderr
    (line,) = apps.stderr.strip().splitlines()
    assert "no AWS credentials found" in line
    assert "AWS_PROFILE" in line
    assert 'eval "$(orchestrator local up)"' in line
