"""Figure 5: the Lambda code asset, in bytes and files.

When infra provides the function that stages the asset (`infra.asset.stage_into`), the figure measures
exactly what it stages. Without it, the figure computes what that asset would ship: the `orchestrator` package without `cli/` and `local/`
(operator and emulator code, not Lambda code), plus the vendored `pydantic_settings` and `dotenv` packages.
Powertools, pydantic and boto3 come from the Powertools layer and the runtime, so they are not counted.
Sizes: the files' bytes, and the deflated zip that Lambda stores (its limits: 50 MB zipped, 250 MB unzipped).
"""

from __future__ import annotations

import importlib.util
import io
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
UNIT = "bytes"
EXCLUDED_SUBPACKAGES = ("cli", "local")
VENDORED = ("pydantic_settings", "dotenv")
LAMBDA_ZIPPED_LIMIT = 50 * 1024 * 1024
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024


def _shippable(path: Path) -> bool:
    return path.is_file() and "__pycache__" not in path.parts and path.suffix not in {".pyc", ".pyo"}


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"package {name} not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def computed_files() -> list[tuple[Path, str]]:
    """(file, path in the asset) of what the asset would ship."""
    files: list[tuple[Path, str]] = []
    source = ROOT / "orchestrator"
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if _shippable(path) and relative.parts[0] not in EXCLUDED_SUBPACKAGES:
            files.append((path, f"orchestrator/{relative.as_posix()}"))
    for name in VENDORED:
        package = _package_dir(name)
        files.extend(
            (path, f"{name}/{path.relative_to(package).as_posix()}")
            for path in sorted(package.rglob("*"))
            if _shippable(path)
        )
    return files


STAGER_FILE = ROOT / "infra" / "asset.py"


def find_stager() -> Callable[[Path], Path] | None:
    """infra's staging of the Lambda code asset (`infra/asset.py: stage_into(target)`), when infra has it.
    The file is loaded on its own (it needs only the standard library): importing the `infra` package
    would load the CDK, which takes seconds and is not what is measured."""
    if not STAGER_FILE.is_file():
        return None
    spec = importlib.util.spec_from_file_location("bench_infra_asset", STAGER_FILE)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception:
        return None
    stager: Callable[[Path], Path] | None = getattr(module, "stage_into", None)
    return stager


def _measure(files: Iterable[tuple[Path, str]]) -> dict[str, int]:
    buffer = io.BytesIO()
    total = count = 0
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, name in files:
            total += path.stat().st_size
            count += 1
            archive.write(path, name)
    return {"bytes": total, "files": count, "zip_bytes": len(buffer.getvalue())}


def _staged_files(stager: Callable[[Path], Path]) -> tuple[list[tuple[Path, str]], tempfile.TemporaryDirectory[str]]:
    """Stage into a fresh directory (the stager creates it) and list what it wrote."""
    scratch = tempfile.TemporaryDirectory(prefix="bench-asset-")
    directory = Path(stager(Path(scratch.name) / "code"))
    files = [(p, p.relative_to(directory).as_posix()) for p in sorted(directory.rglob("*")) if _shippable(p)]
    return files, scratch


def run() -> dict[str, Any]:
    stager = find_stager()
    method = "computed: orchestrator/ without cli/ and local/, plus vendored " + " and ".join(VENDORED)
    files = computed_files()
    scratch = None
    if stager is not None:
        try:
            files, scratch = _staged_files(stager)
            method = f"staged by infra/asset.py {stager.__qualname__}()"
        except Exception as error:
            method += f" (the infra stager failed: {error!r})"[:300]
    try:
        sizes = _measure(files)
        largest = sorted(((name, path.stat().st_size) for path, name in files), key=lambda f: f[1], reverse=True)
    finally:
        if scratch is not None:
            scratch.cleanup()
    return {
        "title": "Lambda package",
        "unit": UNIT,
        "method": method,
        **sizes,
        "floor": "Lambda limits: 50 MiB zipped, 250 MiB unzipped",
        "ratio_of_zipped_limit": round(sizes["zip_bytes"] / LAMBDA_ZIPPED_LIMIT, 5),
        "ratio_of_unzipped_limit": round(sizes["bytes"] / LAMBDA_UNZIPPED_LIMIT, 5),
        "largest_files": [{"path": name, "bytes": size} for name, size in largest[:5]],
    }
