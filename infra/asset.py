"""Stage the Lambda code: the `orchestrator` package plus the two pure-Python libraries the Powertools layer
does not ship (pydantic-settings and python-dotenv).

No Docker and no network: files are copied from this checkout and from the current interpreter's
site-packages. The staged tree holds only deterministic content (sorted walk, no bytecode, no installer
metadata), so the asset hash only changes when the code or a vendored version changes.
"""

from __future__ import annotations

import atexit
import importlib.metadata
import importlib.util
import shutil
import tempfile
from functools import cache
from pathlib import Path

PACKAGE = "orchestrator"
# Operator- and emulator-only code (typer/rich CLI, moto-based emulator) never runs in Lambda.
EXCLUDED_SUBPACKAGES = ("cli", "local")
# import name -> distribution name
VENDORED = {"pydantic_settings": "pydantic-settings", "dotenv": "python-dotenv"}
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo")


def package_root() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"cannot locate the {PACKAGE!r} package")
    return Path(next(iter(spec.submodule_search_locations)))


def _module_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{name!r} is not installed in this interpreter; it is vendored into the Lambda asset")
    return Path(next(iter(spec.submodule_search_locations)))


def _copy_license_metadata(distribution: str, target: Path) -> None:
    """Keep METADATA and the license files (not RECORD/INSTALLER, which vary by installer)."""
    dist = importlib.metadata.distribution(distribution)
    for file in dist.files or []:
        parts = Path(str(file)).parts
        if not parts or not parts[0].endswith(".dist-info"):
            continue
        if parts[-1] == "METADATA" or "licenses" in parts or parts[-1].upper().startswith(("LICENSE", "COPYING")):
            source = Path(str(dist.locate_file(file)))
            if source.is_file():
                destination = target.joinpath(*parts)
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, destination)


def stage_into(target: Path) -> Path:
    """Write the Lambda code tree into `target` (created; must not exist) and return it."""
    source = package_root()
    excluded = {source / name for name in EXCLUDED_SUBPACKAGES}

    def ignore(directory: str, names: list[str]) -> set[str]:
        ignored = set(_IGNORED(directory, names))
        ignored |= {n for n in names if Path(directory, n) in excluded}
        return ignored

    shutil.copytree(source, target / PACKAGE, ignore=ignore)
    for module, distribution in VENDORED.items():
        shutil.copytree(_module_dir(module), target / module, ignore=_IGNORED)
        _copy_license_metadata(distribution, target)
    return target


@cache
def staged_lambda_code() -> Path:
    """The staged tree, built once per process (CDK copies it into cdk.out when the asset is created)."""
    workdir = Path(tempfile.mkdtemp(prefix="orchestrator-lambda-"))
    atexit.register(shutil.rmtree, workdir, ignore_errors=True)
    return stage_into(workdir / "code")
