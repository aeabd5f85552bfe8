"""The Lambda environment, pinned: what the python3.12 runtime and each mapped Powertools layer version hold.

`infra/lambda/environment.toml` says which boto3 the runtime ships and which Powertools release each layer
version holds; `python -m infra.lambda_env lock` resolves them (with uv, as of the day each was published)
into hash-pinned lock files next to it:

    infra/lambda/runtime-python3.12.txt   boto3 and its dependencies, as the runtime provides them
    infra/lambda/layer-<N>.txt            aws-lambda-powertools[all] and its dependencies, without boto3

The asset's vendored libraries are installed from the layer's lock (so they always match the layer's
pydantic), and tests/reality runs every handler on exactly these packages. A layer version with no entry,
or with no lock file, fails synthesis with the command that adds it.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

from packaging.requirements import Requirement
from pydantic import BaseModel, ConfigDict

LOCK_DIR = Path(__file__).with_name("lambda")
ENVIRONMENT_FILE = LOCK_DIR / "environment.toml"
LAMBDA_PLATFORM = "aarch64-manylinux2014"  # the functions run on arm64
# Provided by the runtime, not the layer (Powertools' layer relies on the runtime's SDK).
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer")
# The orchestrator's own requirements that Lambda must satisfy (the CLI's typer/rich/pyyaml never run there).
LAMBDA_REQUIREMENTS = ("aws-lambda-powertools", "pydantic", "pydantic-settings", "boto3")
_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s\\;]+)")


class LambdaEnvironmentError(ValueError):
    """The Lambda environment is not pinned for this configuration."""


class Runtime(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    python: str
    boto3: str
    resolved_before: str


class Layer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    powertools: str
    resolved_before: str


class LambdaEnvironment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    runtime: Runtime
    layers: dict[int, Layer]


@cache
def load_environment(path: Path = ENVIRONMENT_FILE) -> LambdaEnvironment:
    return LambdaEnvironment.model_validate(tomllib.loads(path.read_text()))


def runtime_lock() -> Path:
    return LOCK_DIR / f"runtime-python{load_environment().runtime.python}.txt"


def layer_lock(version: int) -> Path:
    return LOCK_DIR / f"layer-{version}.txt"


def require_layer(version: int) -> Layer:
    """The mapping of a layer version, or a clear error saying how to add it."""
    environment = load_environment()
    layer = environment.layers.get(version)
    known = ", ".join(map(str, sorted(environment.layers))) or "none"
    if layer is None:
        raise LambdaEnvironmentError(
            f"Powertools layer version {version} has no entry in infra/lambda/{ENVIRONMENT_FILE.name} "
            f"(mapped: {known}): add [layers.{version}] with the Powertools release it holds, then run "
            "`python -m infra.lambda_env lock`"
        )
    if not layer_lock(version).is_file():
        raise LambdaEnvironmentError(
            f"Powertools layer version {version} is mapped but not locked: run `python -m infra.lambda_env lock`"
        )
    return layer


def locked_versions(lock: Path) -> dict[str, str]:
    """`{normalized name: version}` of a lock file."""
    pins = (_PIN.match(line) for line in lock.read_text().splitlines())
    return {_normalize(m["name"]): m["version"] for m in pins if m}


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_entries(lock: Path, names: Iterable[str]) -> str:
    """The lock's lines (pin and hashes) for these distributions only: a requirements file for them."""
    wanted = {_normalize(n) for n in names}
    kept: list[str] = []
    keep = False
    for line in lock.read_text().splitlines():
        match = _PIN.match(line)
        if match:
            keep = _normalize(match["name"]) in wanted
        elif not line.startswith(" "):
            keep = False
        if keep and not line.lstrip().startswith("#"):
            kept.append(line)
    found = {_normalize(m["name"]) for m in map(_PIN.match, kept) if m}
    if found != wanted:
        raise LambdaEnvironmentError(f"{lock.name} does not pin {', '.join(sorted(wanted - found))}")
    return "\n".join(kept).rstrip(" \\") + "\n"


def unmet_requirements(layer_version: int) -> list[str]:
    """The orchestrator's Lambda-side requirements that the runtime plus this layer do not satisfy."""
    provided = {**locked_versions(runtime_lock()), **locked_versions(layer_lock(layer_version))}
    unmet = []
    for text in importlib.metadata.requires("orchestrator") or []:
        requirement = Requirement(text)
        if requirement.marker is not None or _normalize(requirement.name) not in LAMBDA_REQUIREMENTS:
            continue
        version = provided.get(_normalize(requirement.name))
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            unmet.append(f"{requirement} (locked: {version or 'absent'})")
    return unmet


def uv() -> str:
    found = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if found is None:
        raise LambdaEnvironmentError("uv is needed to build the Lambda asset (pip install uv)")
    return found


def install(requirements: str, target: Path, *, platform: str | None, python: str) -> Path:
    """Install hash-pinned requirements (no dependency resolution) into `target`, for that platform."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as file:
        file.write(requirements)
        file.flush()
        command = [uv(), "pip", "install", "--quiet", "--target", str(target), "--no-deps", "--require-hashes",
                   "--python-version", python, "--no-compile", "-r", file.name]  # fmt: skip
        if platform:
            command += ["--python-platform", platform]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise LambdaEnvironmentError(f"installing the Lambda packages failed: {result.stderr.strip()[-2000:]}")
    return target


def _compile(requirement: str, output: Path, *, python: str, before: str, exclude: Sequence[str] = ()) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".in") as source:
        source.write(requirement + "\n")
        source.flush()
        command = [uv(), "pip", "compile", source.name, "--quiet", "--generate-hashes", "--no-header",
                   "--python-version", python, "--python-platform", LAMBDA_PLATFORM, "--exclude-newer", before,
                   "--output-file", str(output)]  # fmt: skip
        for name in exclude:
            command += ["--no-emit-package", name]
        subprocess.run(command, check=True)
    header = f"# {requirement}, resolved as of {before} by `python -m infra.lambda_env lock`. Do not edit.\n"
    output.write_text(header + output.read_text())


def lock() -> None:
    environment = load_environment()
    runtime = environment.runtime
    _compile(f"boto3=={runtime.boto3}", runtime_lock(), python=runtime.python, before=runtime.resolved_before)
    for version, layer in sorted(environment.layers.items()):
        _compile(f"aws-lambda-powertools[all]=={layer.powertools}", layer_lock(version),
                 python=runtime.python, before=layer.resolved_before, exclude=RUNTIME_PACKAGES)  # fmt: skip
        unmet = unmet_requirements(version)
        if unmet:
            print(f"layer {version}: the orchestrator needs {'; '.join(unmet)}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Pin the Lambda runtime and Powertools layer packages.")
    parser.add_argument("command", choices=["lock"])
    parser.parse_args(argv)
    lock()
    return 0


if __name__ == "__main__":
    sys.exit(main())
