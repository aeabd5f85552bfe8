"""Every validation rule, on real bundle zips: each error names the file and the rule, all reported at once."""

from __future__ import annotations

import io
import os
import zipfile
from typing import Any

import pytest

from orchestrator.bundles.validation import (
    MAX_FUNCTION_ZIP_BYTES,
    EntryTooLargeError,
    read_capped,
    validate_bundle,
)
from tests.unit.bundles.zips import bundle_zip, function_zip, manifest, python_function, sample_bundle


def rules(data: bytes) -> set[tuple[str, str]]:
    return {(p.file, p.rule) for p in validate_bundle(data).problems}


def functions(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"functions": list(entries)}


FN = {"path": "/", "name": "main", "handler": "app.handler", "runtime": "python3.12"}


def test_the_sample_bundle_is_valid() -> None:
    report = validate_bundle(sample_bundle(), "hello.zip")
    assert report.problems == []
    assert report.bundle is not None
    assert report.bundle.app_id == "hello-bundle"
    assert set(report.bundle.functions) == {"main", "send"}
    assert set(report.bundle.static_files) == {"icon.png", "index.html"}


def test_a_valid_bundle_keeps_extra_manifest_fields() -> None:
    report = validate_bundle(bundle_zip())
    assert report.valid, report.summary()
    assert report.bundle is not None
    assert report.bundle.manifest_raw["custom_field"] == {"kept": True}
    assert report.bundle.manifest.model_extra == {"custom_field": {"kept": True}}


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        ({"app_id": "ab"}, "manifest.app_id"),
        ({"app_id": "a" * 33}, "manifest.app_id"),
        ({"app_id": "bad/app"}, "manifest.app_id"),
        ({"version": "12345678901"}, "manifest.version"),
        ({"version": "1.0 beta"}, "manifest.version"),
        ({"display_name": "  "}, "manifest.display_name"),
        ({"homepage_url": "not a url"}, "manifest.homepage_url"),
        ({"aws_lambda": {"functions": []}}, "manifest.aws_lambda.functions"),
        ({"aws_lambda": functions({**FN, "path": "main"})}, "manifest.aws_lambda.functions.0.path"),
        ({"aws_lambda": functions({**FN, "path": "/a/../b"})}, "manifest.aws_lambda.functions.0.path"),
        ({"aws_lambda": functions({**FN, "runtime": "python3.7"})}, "manifest.aws_lambda.functions.0.runtime"),
        ({"aws_lambda": functions({**FN, "runtime": "go1.x"})}, "manifest.aws_lambda.functions.0.runtime"),
        ({"aws_lambda": functions({**FN, "name": "bad/name"})}, "manifest.aws_lambda.functions.0.name"),
        ({"aws_lambda": functions({**FN, "environment": {"AWS_REGION": "x"}})},
         "manifest.aws_lambda.functions.0.environment"),
        ({"requested_permissions": ["act_as_bot", "fly"]}, "manifest.requested_permissions"),
        ({"requested_permissions": ["remote_webhooks"]}, "manifest.requested_permissions"),
        ({"requested_permissions": ["user_joined_channel_notification"]}, "manifest.requested_permissions"),
        ({"requested_permissions": ["act_as_bot", "remote_oauth2"]}, "manifest.requested_permissions"),
    ],
)  # fmt: skip
def test_each_manifest_rule(overrides: dict[str, Any], rule: str) -> None:
    data = bundle_zip(manifest(**overrides))
    report = validate_bundle(data)
    assert not report.valid
    assert ("manifest.json", rule) in rules(data), report.summary()


def test_permission_dependencies_that_are_met_are_fine() -> None:
    perms = ["act_as_bot", "act_as_user", "remote_oauth2", "remote_webhooks", "user_joined_channel_notification"]
    assert validate_bundle(bundle_zip(manifest(requested_permissions=perms))).valid


def test_two_functions_with_the_same_lambda_name_are_refused() -> None:
    twins = functions(FN, {**FN, "name": "ma.in"}, {**FN, "name": "ma in"})
    assert ("manifest.json", "manifest.aws_lambda.functions") in rules(bundle_zip(manifest(aws_lambda=twins)))


def test_missing_manifest_and_bad_json() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("main.zip", python_function())
    assert ("manifest.json", "manifest.missing") in rules(buffer.getvalue())
    assert ("manifest.json", "manifest.json") in rules(bundle_zip(b"{not json"))
    assert ("manifest.json", "manifest.json") in rules(bundle_zip(b"[1, 2]"))


def test_oversized_manifest() -> None:
    big = manifest(description="x" * 300_000)
    assert ("manifest.json", "manifest.size") in rules(bundle_zip(big))


def test_not_a_zip() -> None:
    assert rules(b"hello") == {("bundle.zip", "bundle.zip")}


def test_function_zip_missing_and_ambiguous() -> None:
    missing = bundle_zip(functions={"main": python_function()})
    assert ("topic.zip", "function.missing") in rules(missing)
    ambiguous = bundle_zip(extra=[("more/topic.zip", python_function())])
    assert ("more/topic.zip, topic.zip", "function.ambiguous") in rules(ambiguous)


def test_function_zip_that_is_not_a_zip() -> None:
    assert ("topic.zip", "function.zip") in rules(bundle_zip(functions={"main": python_function(), "topic": b"nope"}))


def test_handler_module_must_be_in_the_function_zip() -> None:
    wrong = bundle_zip(functions={"main": python_function(), "topic": function_zip({"other.py": "x = 1"})})
    report = validate_bundle(wrong)
    problem = next(p for p in report.problems if p.rule == "function.handler")
    assert problem.file == "topic.zip"
    assert "app.py" in problem.message


@pytest.mark.parametrize(
    ("runtime", "handler", "files", "ok"),
    [
        ("python3.13", "pkg.mod.handler", {"pkg/mod.py": ""}, True),
        ("python3.13", "pkg.handler", {"pkg/__init__.py": ""}, True),
        ("python3.13", "handler", {"handler.py": ""}, False),
        ("nodejs22.x", "src/index.handler", {"src/index.mjs": ""}, True),
        ("nodejs22.x", "index.handler", {"main.js": ""}, False),
        ("ruby3.4", "function.handler", {"function.rb": ""}, True),
        ("provided.al2023", "anything", {"bootstrap": ""}, True),
        ("provided.al2023", "anything", {"main": ""}, False),
        ("java21", "example.Handler::handleRequest", {"lib/app.jar": ""}, True),
    ],
)
def test_handler_modules_per_runtime(runtime: str, handler: str, files: dict[str, str], ok: bool) -> None:
    fn = {"path": "/", "name": "main", "handler": handler, "runtime": runtime}
    data = bundle_zip(manifest(aws_lambda=functions(fn)), functions={"main": function_zip(dict(files))})
    assert (("main.zip", "function.handler") not in rules(data)) is ok


def test_function_zip_over_50_mb() -> None:
    blob = os.urandom(MAX_FUNCTION_ZIP_BYTES + 1)  # incompressible, so this is the size inside the bundle too
    data = bundle_zip(functions={"main": python_function(), "topic": blob})
    assert ("topic.zip", "function.size") in rules(data)


@pytest.mark.parametrize("name", ["/etc/passwd", "../escape.txt", "static/../../escape", "C:/windows/x", "a\\..\\b"])
def test_entry_paths_must_stay_inside(name: str) -> None:
    assert (name, "zip.path") in rules(bundle_zip(extra=[(name, b"x")]))


def test_paths_inside_function_zips_are_checked_too() -> None:
    evil = function_zip({"app.py": "x = 1", "../../evil.py": "boom"})
    data = bundle_zip(functions={"main": python_function(), "topic": evil})
    assert ("topic.zip:../../evil.py", "zip.path") in rules(data)


def test_symlink_entries_are_refused() -> None:
    info = zipfile.ZipInfo("static/link")
    info.external_attr = (0o120777) << 16
    assert ("static/link", "zip.symlink") in rules(bundle_zip(extra=[(info, b"/etc/passwd")]))


def test_zip_bomb_by_compression_ratio() -> None:
    data = bundle_zip(static={"zeros.bin": bytes(20 * 1024 * 1024)})
    assert len(data) < 1024 * 1024
    assert ("static/zeros.bin", "zip.bomb") in rules(data)


def test_zip_bomb_inside_a_function_zip() -> None:
    bomb = function_zip({"app.py": "x = 1", "padding.bin": bytes(30 * 1024 * 1024)})
    data = bundle_zip(functions={"main": python_function(), "topic": bomb})
    assert ("topic.zip:padding.bin", "zip.bomb") in rules(data)


def test_a_lying_size_header_cannot_inflate_past_the_cap() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.bin", bytes(100_000))
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        info = archive.getinfo("data.bin")
        with pytest.raises(EntryTooLargeError):
            read_capped(archive, info, 10_000)


def test_all_errors_are_reported_at_once() -> None:
    broken = manifest(
        app_id="x",
        version="way-too-long-version",
        homepage_url="nope",
        requested_permissions=["remote_oauth2"],
        aws_lambda=functions({**FN, "runtime": "python2.7"}, {**FN, "name": "ghost", "path": "ghost"}),
    )
    data = bundle_zip(
        broken,
        functions={"main": function_zip({"other.py": ""})},
        extra=[("../x", b""), ("static/zeros.bin", bytes(5 * 1024 * 1024))],
    )
    found = rules(data)
    expected = {
        ("manifest.json", "manifest.app_id"),
        ("manifest.json", "manifest.version"),
        ("manifest.json", "manifest.homepage_url"),
        ("manifest.json", "manifest.requested_permissions"),
        ("manifest.json", "manifest.aws_lambda.functions.0.runtime"),
        ("manifest.json", "manifest.aws_lambda.functions.1.path"),
        ("ghost.zip", "function.missing"),
        ("main.zip", "function.handler"),
        ("../x", "zip.path"),
        ("static/zeros.bin", "zip.bomb"),
    }
    assert expected <= found, found
    report = validate_bundle(data, "broken.zip")
    assert all(p.file and p.rule and p.message for p in report.problems)
    assert report.summary().startswith("broken.zip: invalid bundle, ")
