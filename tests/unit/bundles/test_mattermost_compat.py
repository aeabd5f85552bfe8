"""What a Mattermost server computes, against what we deploy: names, keys, validation and routing.

The oracle (mattermost_oracle.py) is mattermost-plugin-apps' Go ported as it is; the fixtures in
tests/fixtures/mattermost are upstream's example and test manifests, rewritten as data.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestrator.bundles import naming
from orchestrator.bundles.manifest import Manifest
from orchestrator.bundles.plan import plan_deploy
from orchestrator.bundles.routing import CallPathError, route
from orchestrator.bundles.validation import MAX_FUNCTION_ZIP_BYTES, BundleProblem, validate_bundle
from tests.unit.bundles import mattermost_oracle as oracle
from tests.unit.bundles.zips import bundle_zip, function_zip, manifest, python_function

FIXTURES = Path(__file__).parents[2] / "fixtures" / "mattermost"
ID = st.from_regex(r"[A-Za-z0-9\-_.]{3,32}", fullmatch=True)
VERSION = st.from_regex(r"[A-Za-z0-9\-_.]{1,10}", fullmatch=True)
FUNCTION = st.from_regex(r"[A-Za-z0-9\-_. ]{1,64}", fullmatch=True)
# Lambda's CreateFunction accepts these names (no `.`: that is Invoke's pattern, not CreateFunction's).
CREATABLE = naming.VALID_LAMBDA_NAME


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


def package_for(runtime: str, handler: str) -> bytes:
    """The smallest function package that satisfies the runtime's handler check."""
    if runtime.startswith("provided"):
        return function_zip({"bootstrap": b"\x7fELF"})
    if runtime.startswith("nodejs"):
        return function_zip({f"{handler.rpartition('.')[0]}.js": "exports.handler = async () => ({})"})
    return python_function(handler.rpartition(".")[0])


def bundle_from(document: dict[str, Any], runtimes: dict[str, str] | None = None) -> bytes:
    """A bundle as upstream's appsctl reads one, from a fixture; `runtimes` replaces deprecated runtimes."""
    data = json.loads(json.dumps(document["manifest"]))
    for function in data["aws_lambda"]["functions"]:
        function["runtime"] = (runtimes or {}).get(function["runtime"], function["runtime"])
    packages = {f["name"]: package_for(f["runtime"], f["handler"]) for f in data["aws_lambda"]["functions"]}
    static = dict.fromkeys(document.get("static_files", []), b"x")
    return bundle_zip(data, static=static, functions=packages)


MODERN = {"go1.x": "provided.al2023", "nodejs14.x": "nodejs22.x"}


def problems(data: bytes) -> list[BundleProblem]:
    return validate_bundle(data).problems


# 1. Function names ---------------------------------------------------------------------------------------


@given(ID, VERSION, FUNCTION)
def test_our_name_is_the_servers_name_whenever_the_server_s_name_is_valid(app: str, version: str, fn: str) -> None:
    theirs = oracle.lambda_name(app, version, fn)
    ours = naming.lambda_name(app, version, fn)
    assert naming.mattermost_lambda_name(app, version, fn) == theirs
    assert CREATABLE.match(ours)
    assert len(ours) == len(theirs)
    if CREATABLE.match(theirs):
        assert ours == theirs
    else:  # upstream keeps a `.`: our only change is that `.` becomes `-`, hash included
        assert ours == theirs.replace(".", "-")


def test_over_64_characters_the_name_is_app_version_and_hash_not_a_truncation() -> None:
    name = naming.lambda_name("a" * 20, "v1-0-0", "z" * 50)
    assert name == oracle.lambda_name("a" * 20, "v1-0-0", "z" * 50)
    assert len(name) == 64
    head = "a" * 20 + "_v1-0-0_"
    assert name.startswith(head)
    assert name[len(head) :] == hashlib.sha256(f"{head}{'z' * 50}".encode()).hexdigest()[: 64 - len(head)]


def test_servicenow_names_and_keys_are_the_ones_upstream_expects() -> None:
    document = fixture("servicenow-test-bundle.json")
    report = validate_bundle(bundle_from(document, MODERN))
    assert report.bundle is not None, report.summary()
    data = plan_deploy(report.bundle, bundle_bucket="b").deploy_data()
    expected = dict(document["upstream_lambda_names"])
    # Upstream's own expectation for the long name keeps the dots (an invalid Lambda name); ours has `-`.
    long_name = "function-with-very-very-very-very-very-very-very-long-name"
    assert expected[long_name] == "com.mattermost.servicenow_0.1.0_95f51579baba92ea2a0a3ad98c24fcbc"
    expected[long_name] = "com-mattermost-servicenow_0-1-0_95f51579baba92ea2a0a3ad98c24fcbc"
    assert {f: d["name"] for f, d in data["lambda_functions"].items()} == expected
    assert {p: d["key"] for p, d in data["static_files"].items()} == document["upstream_static_keys"]
    assert data["manifest_key"] == document["upstream_manifest_key"]
    warned = [w for w in report.warnings if w.rule == "function.name"]
    assert len(warned) == 1
    assert "'com.mattermost.servicenow_0.1.0_95f51579baba92ea2a0a3ad98c24fcbc'" in warned[0].message


def test_a_dot_in_a_short_function_name_deploys_with_a_dash_and_a_warning() -> None:
    fn = {"path": "/", "name": "main.v2", "handler": "app.handler", "runtime": "python3.12"}
    report = validate_bundle(
        bundle_zip(manifest(aws_lambda={"functions": [fn]}), functions={"main.v2": python_function()})
    )
    assert report.bundle is not None, report.summary()
    assert plan_deploy(report.bundle, bundle_bucket="b").functions[0].name == "com-example-test_1-0-0_main-v2"
    assert any("'com-example-test_1-0-0_main.v2'" in w.message for w in report.warnings)


# 2. Static keys -------------------------------------------------------------------------------------------


@given(ID, VERSION, st.from_regex(r"[A-Za-z0-9 ._\-/]{1,40}", fullmatch=True))
def test_static_and_manifest_keys_are_the_servers(app: str, version: str, path: str) -> None:
    assert naming.static_key(app, version, path) == oracle.s3_static_name(app, version, path)
    assert naming.manifest_key(app, version) == oracle.s3_manifest_name(app, version)


def test_two_static_files_on_one_key_are_refused() -> None:
    data = bundle_zip(static={"a b.txt": b"1", "a-b.txt": b"2", "c.txt": b"3"})
    assert [(p.file, p.rule) for p in problems(data)] == [("static/a b.txt, static/a-b.txt", "static.collision")]


# 3. The `_` separator -------------------------------------------------------------------------------------


def test_the_separator_is_ambiguous_upstream() -> None:
    """Why ownership is checked (integration tests show the refusal): upstream gives both apps every key."""
    first, second = ("my_app", "1_0"), ("my_app_1", "0")
    assert oracle.s3_manifest_name(*first) == oracle.s3_manifest_name(*second)
    assert oracle.s3_static_name(*first, "x") == oracle.s3_static_name(*second, "x")
    assert oracle.lambda_name(*first, "f") == oracle.lambda_name(*second, "f")
    # ...and its own parser reads the key back as the second app.
    assert oracle.parse_s3_manifest_name("my_app_1_0.json") == ("my_app_1", "0")


# 4. Validation as Deploy.Validate does -------------------------------------------------------------------

VALID_FN = {"path": "/", "name": "main", "handler": "app.handler", "runtime": "python3.12"}
SECTIONS: list[dict[str, Any]] = [
    {},
    {"http": {}},
    {"http": {"root_url": ""}},
    {"http": {"root_url": "https://example.org/root"}},
    {"http": {"root_url": "http://localhost:8081", "use_jwt": True}},
    {"open_faas": {}},
    {"open_faas": {"functions": []}},
    {"open_faas": {"functions": [{"path": "/", "name": "f"}]}},
    {"open_faas": {"functions": [{"path": "/", "name": ""}]}},
    {"open_faas": {"functions": [{"name": "f"}]}},
    {"plugin": {}},
    {"plugin": {"plugin_id": ""}},
    {"plugin": {"plugin_id": "com.mattermost.hello-test"}},
    {"aws_lambda": {"functions": []}},
    {"aws_lambda": {}},
    *({"aws_lambda": {"functions": [{k: v for k, v in VALID_FN.items() if k != missing}]}}
      for missing in ("path", "name", "handler", "runtime")),
    {"http": {"root_url": "https://x.org"}, "plugin": {"plugin_id": "p"}, "open_faas": {"functions": [{"path": "/", "name": "f"}]}},
]  # fmt: skip


@pytest.mark.parametrize("sections", SECTIONS)
def test_deploy_sections_are_valid_exactly_when_upstream_says_so(sections: dict[str, Any]) -> None:
    document = {**manifest(aws_lambda={"functions": [VALID_FN]}), **sections}
    ours = [p for p in problems(bundle_zip(document, functions={"main": python_function()}))
            if p.rule.split(".")[1] in {"aws_lambda", "http", "open_faas", "plugin"}]  # fmt: skip
    assert (ours == []) == (oracle.deploy_errors(document) == []), ours


@pytest.mark.parametrize(
    ("url", "valid"),
    [
        ("https://example.org", True), ("http://localhost:1111", True), ("https://example.org/root?x=1", True),
        (":invalid", False), ("https://", False), ("http:///path", False), ("ftp://example.org", False),
        ("example.org", False), ("/relative/path", False), ("", False), ("https://exa mple.org", False),
        ("http://example.org:port", False), ("http://example.org:8065/x", True),
    ],
)  # fmt: skip
def test_urls_need_http_or_https_and_a_host(url: str, valid: bool) -> None:
    homepage = {(p.rule) for p in problems(bundle_zip(manifest(homepage_url=url)))}
    root = {(p.rule) for p in problems(bundle_zip(manifest(http={"root_url": url})))}
    assert ("manifest.homepage_url" not in homepage) is valid
    assert ("manifest.http.root_url" not in root) is valid


@pytest.mark.parametrize(
    ("app_id", "valid"),
    [("", False), ("a", False), ("ab", False), ("abc", True), ("abcdefghijklmnopqrstuvwxyzabcdef", True),
     ("abcdefghijklmnopqrstuvwxyzabcdefg", False), ("../path", False), ("/etc/passwd", False),
     ("com.mattermost.app-0.9", True), ("CAPS-ARE-FINE", True), ("....DOTS.ALSO.......", True),
     ("----SLASHES-ALSO----", True), ("___AND_UNDERSCORES____", True)],
)  # fmt: skip
def test_app_ids_as_upstream_tests_them(app_id: str, valid: bool) -> None:
    assert ("manifest.app_id" not in {p.rule for p in problems(bundle_zip(manifest(app_id=app_id)))}) is valid


@pytest.mark.parametrize(
    ("version", "valid"),
    [("v1.0.0", True), ("1.0.0", True), ("v1.0.0-rc1", True), ("1.0.0-rc1", True), ("CAPS-OK", True),
     (".DOTS.", True), ("-SLASHES-", True), ("_OK_", True), ("v00_00_0000", False), ("/", False),
     ("", False)],  # upstream accepts "": we refuse it (names would read `<app>__<function>`)
)  # fmt: skip
def test_versions_as_upstream_tests_them(version: str, valid: bool) -> None:
    assert ("manifest.version" not in {p.rule for p in problems(bundle_zip(manifest(version=version)))}) is valid


def test_upstream_http_test_app_is_refused_for_want_of_aws_lambda_but_its_http_section_is_valid() -> None:
    document = fixture("test-app-http.json")["manifest"]
    found = {(p.rule) for p in problems(bundle_zip(document, functions={}))}
    assert "manifest.aws_lambda" in found
    assert not {r for r in found if r.startswith("manifest.http")}


def test_kv_example_has_no_deploy_section_and_is_refused_as_upstream_refuses_it() -> None:
    document = fixture("kv-example.json")["manifest"]
    assert oracle.deploy_errors(document) == ["manifest has no deployment information"]
    found = {(p.rule) for p in problems(bundle_zip(document, static={"icon.png": b"png"}, functions={}))}
    assert found == {"manifest.aws_lambda"}


def test_an_icon_may_be_an_absolute_url() -> None:
    assert problems(bundle_zip(manifest(icon="https://example.org/icon.png"))) == []
    assert ("manifest.json", "manifest.icon") in {
        (p.file, p.rule) for p in problems(bundle_zip(manifest(icon="../..")))
    }


def test_jar_packages_are_function_packages() -> None:
    java = {"path": "/", "name": "main", "handler": "example.Handler::handleRequest", "runtime": "java21"}
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest(aws_lambda={"functions": [java]})))
        archive.writestr("main.jar", function_zip({"example/Handler.class": b"\xca\xfe\xba\xbe"}))
    report = validate_bundle(data.getvalue())
    assert report.bundle is not None, report.summary()
    assert report.bundle.functions["main"].entry == "main.jar"


def sized_function_zip(size: int) -> bytes:
    """A valid python function zip of exactly `size` bytes (a stored, incompressible padding file)."""

    def build(padding: int) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr("app.py", "def handler(event, context):\n    return {}\n")
            archive.writestr("pad.bin", os.urandom(padding))
        return buffer.getvalue()

    overhead = len(build(0))
    data = build(size - overhead)
    assert len(data) == size
    return data


@pytest.mark.parametrize(("size", "refused"), [(MAX_FUNCTION_ZIP_BYTES, True), (MAX_FUNCTION_ZIP_BYTES - 1, False)])
def test_a_function_zip_must_be_under_50_mib(size: int, refused: bool) -> None:
    data = bundle_zip(functions={"main": python_function(), "topic": sized_function_zip(size)})
    assert (("topic.zip", "function.size") in {(p.file, p.rule) for p in problems(data)}) is refused


# 5. Routing ------------------------------------------------------------------------------------------------


def as_functions(paths: list[str]) -> list[dict[str, Any]]:
    return [
        {"path": p, "name": f"f{i}", "handler": "app.handler", "runtime": "python3.12"} for i, p in enumerate(paths)
    ]


def test_upstream_match_cases() -> None:
    functions = as_functions(["/topic", "/topic/subtopic/", "/other", "/"])
    names = {"f0": "topic", "f1": "subtopic", "f2": "other", "f3": "main"}
    manifest_functions = Manifest.model_validate(manifest(aws_lambda={"functions": functions})).functions
    for path, expected in [("/different", "main"), ("/topic/subtopic/and-then-some", "subtopic"),
                           ("/topic/other/and-then-some", "topic"), ("/other/and-then-some", "other")]:  # fmt: skip
        chosen = route(manifest_functions, path)
        assert chosen is not None
        assert names[chosen.name] == expected


PATHS = st.lists(
    st.sampled_from(["/", "/a", "/ab", "/a/", "/a/b", "/a/b/", "/b", "/a b", "/a/b/c"]), min_size=1, max_size=6
)
CALLS = st.from_regex(r"(/|\.|\.\.|a|b|ab| ){0,8}", fullmatch=True)


@given(PATHS, CALLS)
def test_routing_agrees_with_the_server(paths: list[str], call_path: str) -> None:
    functions = as_functions(paths)
    expected = oracle.route_call(call_path, "app", "v1", functions)
    models = Manifest.model_validate(manifest(aws_lambda={"functions": functions})).functions
    try:
        chosen = route(models, call_path)
    except CallPathError:
        assert expected is None
        return
    got = naming.mattermost_lambda_name("app", "v1", chosen.name) if chosen else None
    assert got == expected


def test_validate_warns_about_prefixes_that_catch_unrelated_paths_and_unreachable_functions() -> None:
    report = validate_bundle(bundle_from(fixture("servicenow-test-bundle.json"), MODERN))
    routes = sorted(w.message for w in report.warnings if w.rule == "function.path")
    assert routes == [
        "function 'function with spaces': path '/go' also catches unrelated paths such as '/goX' "
        "(a Mattermost server routes by string prefix)",
        "function 'function-with-very-very-very-very-very-very-very-long-name': never called: "
        "'function with spaces' has the same path '/go' and comes first",
        "function 'function2': path '/js' also catches unrelated paths such as '/jsX' "
        "(a Mattermost server routes by string prefix)",
    ]


# 6. Deprecated runtimes ------------------------------------------------------------------------------------


def test_upstream_test_bundle_is_refused_for_its_deprecated_runtimes_with_a_hint() -> None:
    found = {p.rule: p.message for p in problems(bundle_from(fixture("servicenow-test-bundle.json")))}
    go = found["manifest.aws_lambda.functions.0.runtime"]
    assert "'go1.x' is deprecated" in go
    assert "provided.al2023" in go
    assert "`bootstrap`" in go
    assert "nodejs22.x" in found["manifest.aws_lambda.functions.1.runtime"]
    assert {r for r in found if r.endswith(".runtime")} == {
        f"manifest.aws_lambda.functions.{i}.runtime" for i in range(4)
    }
