"""The pinned Lambda environment, for the cold-start figure: a python3.12 interpreter whose sys.path is the
staged asset, the Powertools layer's locked packages and the runtime's boto3 (infra/lambda/), in Lambda's order
(/var/task, /opt/python, the runtime). Built as tests/reality builds it, in a temporary directory, by uv
(from its cache after the first time)."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from infra.asset import stage_into
from infra.config import DEFAULT_POWERTOOLS_LAYER_VERSION
from infra.lambda_env import LambdaEnvironmentError, install, layer_lock, load_environment, runtime_lock

DEFAULT_PYTHON312 = "/root/.pyenv/versions/3.12.1/bin/python3.12"


@dataclass(frozen=True)
class LambdaInterpreter:
    python: str
    sys_path: list[str]

    def command(self, code: str, *flags: str) -> list[str]:
        """`python -c code` with Lambda's sys.path in front, and no user site-packages."""
        prefix = f"import sys; sys.path[:0] = {self.sys_path!r}\n"
        return [self.python, "-s", *flags, "-c", prefix + code]


def find_python312() -> str | None:
    for candidate in (os.environ.get("ORCHESTRATOR_TEST_PYTHON312", DEFAULT_PYTHON312), shutil.which("python3.12")):
        if not candidate or not Path(candidate).is_file():
            continue
        version = subprocess.run([candidate, "-I", "-S", "-c", "import sys; print(sys.version_info[:2])"],
                                 capture_output=True, text=True, check=False).stdout.strip()  # fmt: skip
        if version == "(3, 12)":
            return candidate
    return None


def build(root: Path, layer_version: int = DEFAULT_POWERTOOLS_LAYER_VERSION) -> LambdaInterpreter | str:
    """The interpreter, or why there is none (no python3.12, or the packages could not be installed)."""
    python312 = find_python312()
    if python312 is None:
        return "no Python 3.12 interpreter (set ORCHESTRATOR_TEST_PYTHON312)"
    python = load_environment().runtime.python
    try:
        asset = stage_into(root / "task", layer_version)
        layer = install(layer_lock(layer_version).read_text(), root / "opt-python", platform=None, python=python)
        runtime = install(runtime_lock().read_text(), root / "runtime", platform=None, python=python)
    except LambdaEnvironmentError as error:
        return str(error)
    return LambdaInterpreter(python312, [str(asset), str(layer), str(runtime)])
