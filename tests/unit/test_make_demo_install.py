"""`make demo` installs the emulator's extra only, never `.[dev]` with the CDK library (issue 15, item 20);
`make test` still installs `.[dev]`. Checked with `make -n` (prints the recipe, runs nothing) on a new venv."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def recipe(target: str, venv: Path) -> str:
    return subprocess.run(
        ["make", "-n", target, f"VENV={venv}"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout


def test_demo_installs_the_local_extra_only(tmp_path: Path) -> None:
    out = recipe("demo", tmp_path / "venv")
    assert "-e '.[local]'" in out
    assert ".[dev]" not in out
    assert ".[cdk]" not in out
    assert "--compile-bytecode" in out
    assert "orchestrator demo" in out


def test_test_still_installs_dev(tmp_path: Path) -> None:
    assert "-e '.[dev]'" in recipe("venv", tmp_path / "venv")


def test_demo_reuses_a_dev_venv(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    for stamp in (".installed", ".installed-local"):
        (venv / stamp).touch()  # what `make venv` leaves (newer than pyproject.toml)
    out = recipe("demo", venv)
    assert "pip install" not in out
    assert "orchestrator demo" in out
