"""Real bundle zips for tests: a valid one, and the pieces to break each rule."""

from __future__ import annotations

import copy
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from orchestrator.bundles.build import build_bundle

SAMPLE = Path(__file__).parents[3] / "samples" / "bundles" / "hello"

MAIN_PY = """
import json, os

def handler(event, context):
    path = event.get("path")
    if path == "/boom":
        raise ValueError("kaboom " + path)
    if path == "/missing":
        return {"statusCode": 404, "body": json.dumps({"text": "no such thing"})}
    return {"statusCode": 200, "body": json.dumps({"function": "main", "path": path, "tag": TAG,
            "env": sorted(os.environ)})}
"""


def function_zip(files: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def python_function(module: str = "app", tag: str = "v1") -> bytes:
    return function_zip({f"{module}.py": f"TAG = {tag!r}\n" + MAIN_PY})


def manifest(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "app_id": "com.example.test",
        "version": "1.0.0",
        "display_name": "Test app",
        "homepage_url": "https://example.com/app",
        "description": "a test app",
        "requested_permissions": ["act_as_bot"],
        "requested_locations": ["/command"],
        "custom_field": {"kept": True},
        "aws_lambda": {
            "functions": [
                {"path": "/", "name": "main", "handler": "app.handler", "runtime": "python3.12"},
                {"path": "/topic", "name": "topic", "handler": "app.handler", "runtime": "python3.12"},
            ]
        },
    }
    base = copy.deepcopy(base)
    base.update(overrides)
    return base


def bundle_zip(
    manifest_data: dict[str, Any] | bytes | None = None,
    *,
    static: dict[str, bytes] | None = None,
    functions: dict[str, bytes] | None = None,
    extra: list[tuple[zipfile.ZipInfo | str, bytes]] | None = None,
    tag: str = "v1",
) -> bytes:
    manifest_data = manifest() if manifest_data is None else manifest_data
    if functions is None:
        functions = {"main": python_function(tag=tag), "topic": python_function(tag=f"{tag}-topic")}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        body = manifest_data if isinstance(manifest_data, bytes) else json.dumps(manifest_data).encode()
        archive.writestr("manifest.json", body)
        for path, data in (static if static is not None else {"hello.txt": b"hi", "css/app.css": b"p{}"}).items():
            archive.writestr(f"static/{path}", data)
        for name, data in functions.items():
            archive.writestr(f"{name}.zip", data)
        for info, data in extra or []:
            archive.writestr(info, data)
    return buffer.getvalue()


def sample_bundle() -> bytes:
    return build_bundle(SAMPLE)
