"""`pip install -e .` (no extras, so no click, no moto): usage errors are one line, never a traceback, and the
emulator's commands name the extra to install (issue 15, item 1). A fresh virtual environment, built by uv
from its local cache (the registry only when the cache lacks a wheel)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")

pytestmark = pytest.mark.fresh_venv


def _uv(*args: str) -> None:
    assert UV is not None
    offline = subprocess.run([UV, *args, "--offline"], capture_output=True, text=True, timeout=600, check=False)
    if offline.returncode != 0:  # a wheel missing from the cache: ask the registry
        online = subprocess.run([UV, *args], capture_output=True, text=True, timeout=600, check=False)
        assert online.returncode == 0, online.stderr


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if UV is None:
        pytest.skip("uv is not installed (`make venv` installs it)")
    root = tmp_path_factory.mktemp("bare")
    source = root / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "orchestrator", source / "orchestrator", ignore=shutil.ignore_patterns("__pycache__"))
    venv = root / "venv"
    _uv("venv", "-q", "--python", sys.executable, str(venv))
    _uv("pip", "install", "-q", "--python", str(venv / "bin" / "python"), str(source))
    return venv / "bin" / "orchestrator"


def _run(cli: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(cli), *args], capture_output=True, text=True, timeout=120, check=False)


def test_the_bare_install_has_neither_click_nor_moto(bare: Path) -> None:
    python = bare.parent / "python"
    for module in ("click", "moto"):
        found = subprocess.run([str(python), "-c", f"import {module}"], capture_output=True, check=False)
        assert found.returncode != 0, f"{module} is installed: the test would prove nothing"


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["build", "list"], 2, "Missing option '-a'"),
        (["nosuch"], 2, "No such command 'nosuch'"),
        (["ps", "scale", "web", "-a", "shop"], 2, "Missing argument"),
        (["--endpoint-url", "notaurl", "apps"], 2, "is not an http(s) URL"),
        (["build", "list", "-a", "site:abc"], 2, "'abc' is not a pull request number"),
        (["demo"], 1, "pip install 'orchestrator[local]'"),
        (["local", "up"], 1, "pip install 'orchestrator[local]'"),
    ],
)
def test_usage_errors_without_extras(bare: Path, args: list[str], code: int, fragment: str) -> None:
    result = _run(bare, *args)
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert fragment in result.stderr


def test_help_and_version_without_extras(bare: Path) -> None:
    assert _run(bare, "--help").returncode == 0
    assert _run(bare, "--version").stdout.startswith("orchestrator ")
