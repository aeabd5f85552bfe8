"""What a deployed handler runs on, built on this machine: a python3.12 interpreter, the staged asset, the
Powertools layer's locked packages and the runtime's boto3 (infra/lambda/), each in its own directory.

The interpreter is ORCHESTRATOR_TEST_PYTHON312 (default: pyenv's 3.12.1, else `python3.12` on PATH); the
tests skip, saying so, only when no 3.12 interpreter exists. The packages are installed once per session
by uv (from its cache after the first run; a fresh machine needs PyPI).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.lambda_environment import find_python312
from infra.asset import stage_into
from infra.config import DEFAULT_POWERTOOLS_LAYER_VERSION
from infra.lambda_env import install, layer_lock, load_environment, runtime_lock

LAYER_VERSION = DEFAULT_POWERTOOLS_LAYER_VERSION


@pytest.fixture(scope="session")
def python312() -> str:
    found = find_python312()
    if found is None:
        pytest.skip("no Python 3.12 interpreter: set ORCHESTRATOR_TEST_PYTHON312 to one (Lambda runs python3.12)")
    return found


@pytest.fixture(scope="session")
def lambda_sys_path(tmp_path_factory: pytest.TempPathFactory, python312: str) -> list[Path]:
    """[asset, layer packages, runtime boto3]: the order of sys.path in Lambda (/var/task, /opt/python, runtime)."""
    root = tmp_path_factory.mktemp("lambda-environment")
    python = load_environment().runtime.python
    asset = stage_into(root / "task", LAYER_VERSION)
    # For this machine's platform (the tests run here); the deployed asset is built for arm64.
    layer = install(layer_lock(LAYER_VERSION).read_text(), root / "opt-python", platform=None, python=python)
    runtime = install(runtime_lock().read_text(), root / "runtime", platform=None, python=python)
    return [asset, layer, runtime]
