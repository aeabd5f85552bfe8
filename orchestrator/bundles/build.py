"""Build a bundle zip from a source folder, reproducibly (same sources → same bytes → same CodeSha256).

Source layout:
    manifest.json
    static/...              copied to static/ in the bundle
    functions/<name>/...    each folder becomes <name>.zip at the bundle's root
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
SKIP = {"__pycache__", ".DS_Store"}


class BuildError(ValueError):
    pass


def _files(root: Path) -> list[Path]:
    return sorted(
        p for p in root.rglob("*")
        if p.is_file() and not any(part in SKIP for part in p.relative_to(root).parts) and p.suffix != ".pyc"
    )  # fmt: skip


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def zip_folder(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in _files(folder):
            _add(archive, path.relative_to(folder).as_posix(), path.read_bytes())
    return buffer.getvalue()


def build_bundle(source: Path) -> bytes:
    manifest = source / "manifest.json"
    if not manifest.is_file():
        raise BuildError(f"{source}: no manifest.json")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _add(archive, "manifest.json", manifest.read_bytes())
        static = source / "static"
        if static.is_dir():
            for path in _files(static):
                _add(archive, f"static/{path.relative_to(static).as_posix()}", path.read_bytes())
        functions = source / "functions"
        if functions.is_dir():
            for folder in sorted(p for p in functions.iterdir() if p.is_dir()):
                _add(archive, f"{folder.name}.zip", zip_folder(folder))
    return buffer.getvalue()
