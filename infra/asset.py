"""Stage the Lambda code: the `orchestrator` package plus the two pure-Python libraries it needs beyond
pydantic (pydantic-settings and python-dotenv), installed from the chosen Powertools layer's lock.

The vendored versions are the ones the layer's own `[all]` extra pins next to its pydantic, so the asset
never pairs the development environment's pydantic-settings with the layer's pydantic (and whether or not
the layer ships them, the function gets that tested pairing: the function's code comes first on sys.path).
No Docker: uv installs the hash-pinned wheels for arm64/python3.12. The staged tree holds only
deterministic content (no bytecode, no installer records), so the asset hash only changes when the code or
a locked version changes.
"""

from __future__ import annotations

import atexit
import importlib.util
import shutil
import tempfile
from functools import cache
from pathlib import Path

from infra.config import DEFAULT_POWERTOOLS_LAYER_VERSION
from infra.lambda_env import LAMBDA_PLATFORM, install, layer_lock, load_environment, lock_entries, require_layer

PACKAGE = "orchestrator"
# Operator- and emulator-only code (typer/rich CLI, moto-based emulator) never runs in Lambda.
EXCLUDED_SUBPACKAGES = ("cli", "local")
VENDORED = ("pydantic-settings", "python-dotenv")
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo")


def package_root() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"cannot locate the {PACKAGE!r} package")
    return Path(next(iter(spec.submodule_search_locations)))


def _keep_license_metadata_only(target: Path) -> None:
    """In each .dist-info keep METADATA and the license files (RECORD, INSTALLER... vary by installer)."""
    for info in target.glob("*.dist-info"):
        for file in sorted(info.rglob("*"), reverse=True):
            relative = file.relative_to(info)
            keep = relative.name == "METADATA" or "licenses" in relative.parts
            keep = keep or relative.name.upper().startswith(("LICENSE", "COPYING"))
            if file.is_file() and not keep:
                file.unlink()
            elif file.is_dir() and not any(file.iterdir()):
                file.rmdir()


def stage_into(target: Path, layer_version: int = DEFAULT_POWERTOOLS_LAYER_VERSION) -> Path:
    """Write the Lambda code tree into `target` (created; must not exist) and return it."""
    require_layer(layer_version)
    source = package_root()
    excluded = {source / name for name in EXCLUDED_SUBPACKAGES}

    def ignore(directory: str, names: list[str]) -> set[str]:
        ignored = set(_IGNORED(directory, names))
        ignored |= {n for n in names if Path(directory, n) in excluded}
        return ignored

    shutil.copytree(source, target / PACKAGE, ignore=ignore)
    requirements = lock_entries(layer_lock(layer_version), VENDORED)
    install(requirements, target, platform=LAMBDA_PLATFORM, python=load_environment().runtime.python)
    for cache_dir in target.rglob("__pycache__"):
        shutil.rmtree(cache_dir)
    _keep_license_metadata_only(target)
    return target


@cache
def staged_lambda_code(layer_version: int) -> Path:
    """The staged tree, built once per process (CDK copies it into cdk.out when the asset is created)."""
    workdir = Path(tempfile.mkdtemp(prefix="orchestrator-lambda-"))
    atexit.register(shutil.rmtree, workdir, ignore_errors=True)
    return stage_into(workdir / "code", layer_version)
