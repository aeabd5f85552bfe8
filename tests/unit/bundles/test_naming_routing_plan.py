"""Names, routing, deploy data and the S3 sequencer order: pure functions."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestrator.bundles import naming
from orchestrator.bundles.manifest import Function
from orchestrator.bundles.plan import plan_deploy
from orchestrator.bundles.records import is_older
from orchestrator.bundles.routing import route
from orchestrator.bundles.validation import load_bundle
from tests.unit.bundles.zips import sample_bundle

VALID_LAMBDA_NAME = re.compile(r"^[a-zA-Z0-9\-_]{1,64}$")
ID = st.from_regex(r"[A-Za-z0-9\-_.]{3,32}", fullmatch=True)
VERSION = st.from_regex(r"[A-Za-z0-9\-_.]{1,10}", fullmatch=True)
FUNCTION = st.from_regex(r"[A-Za-z0-9\-_. ]{1,64}", fullmatch=True)


def test_lambda_name_turns_dots_and_spaces_into_dashes() -> None:
    assert naming.lambda_name("com.example.app", "v1.2.3", "my func") == "com-example-app_v1-2-3_my-func"


def test_long_names_are_app_version_and_a_hash_64_characters_long() -> None:
    name = naming.lambda_name("a" * 32, "1234567890", "f" * 40)
    assert len(name) == 64
    assert VALID_LAMBDA_NAME.match(name)
    assert name.startswith("a" * 32 + "_1234567890_")
    other = naming.lambda_name("a" * 32, "1234567890", "f" * 39 + "g")
    assert other != name
    assert other[:44] == name[:44]


@given(ID, VERSION, FUNCTION)
def test_every_valid_manifest_gives_a_valid_deterministic_lambda_name(app: str, version: str, fn: str) -> None:
    name = naming.lambda_name(app, version, fn)
    assert VALID_LAMBDA_NAME.match(name)
    assert name == naming.lambda_name(app, version, fn)


def test_static_and_manifest_keys() -> None:
    assert naming.static_key("com.example", "1.0", "img/icon.png") == "static/com.example_1.0_app/img/icon.png"
    assert naming.static_key("com.example", "1.0", "my file.txt") == "static/com.example_1.0_app/my-file.txt"
    assert naming.manifest_key("com.example", "1.0") == "manifests/com.example_1.0.json"
    assert naming.bundle_key("com.example", "1.0") == "bundles/com.example_1.0.zip"


def fns(*paths: str) -> list[Function]:
    return [Function(path=p, name=f"f{i}", handler="app.handler", runtime="python3.12") for i, p in enumerate(paths)]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/topic", "/topic"),
        ("/topic/x", "/topic"),
        ("/topicX", "/topic"),  # a string prefix, as a Mattermost server matches
        ("/topic/deep/er", "/topic/deep"),
        ("/topic/deeper", "/topic/deep"),
        ("/topic/deep/", "/topic/deep"),
        ("//topic//deep", "/topic/deep"),  # cleaned first, as the server does
        ("/other/../topic", "/topic"),
        ("/", "/"),
        ("/other", "/"),
    ],
)
def test_routing_is_the_longest_string_prefix_of_the_cleaned_path(path: str, expected: str) -> None:
    chosen = route(fns("/", "/topic", "/topic/deep"), path)
    assert chosen is not None
    assert chosen.path == expected


def test_no_route_without_a_matching_prefix() -> None:
    assert route(fns("/topic"), "/topiX") is None
    assert route(fns("/topic"), "/") is None


def test_a_call_path_must_start_with_a_slash() -> None:
    from orchestrator.bundles.routing import CallPathError

    with pytest.raises(CallPathError, match="must start with '/'"):
        route(fns("/"), "topic")


def test_deploy_data_has_the_appsctl_shape() -> None:
    bundle = load_bundle(sample_bundle())
    data: dict[str, Any] = plan_deploy(bundle, bundle_bucket="bucket").deploy_data()
    assert data == {
        "static_files": {
            "icon.png": {"key": "static/hello-bundle_v1.0.0_app/icon.png"},
            "index.html": {"key": "static/hello-bundle_v1.0.0_app/index.html"},
        },
        "lambda_functions": {
            "main": {"name": "hello-bundle_v1-0-0_main", "handler": "app.handler", "runtime": "python3.12"},
            "send": {"name": "hello-bundle_v1-0-0_send", "handler": "send.handler", "runtime": "python3.12"},
        },
        "manifest_key": "manifests/hello-bundle_v1.0.0.json",
    }


def test_plan_sets_the_function_environment() -> None:
    plan = plan_deploy(load_bundle(sample_bundle()), bundle_bucket="bucket")
    send = next(f for f in plan.functions if f.function == "send")
    assert send.environment == {
        "GREETING": "Hello",
        "ORCHESTRATOR_APP_ID": "hello-bundle",
        "ORCHESTRATOR_APP_VERSION": "v1.0.0",
        "ORCHESTRATOR_STATIC_BUCKET": "bucket",
        "ORCHESTRATOR_STATIC_PREFIX": "static/hello-bundle_v1.0.0_app/",
    }


def test_sequencers_compare_after_right_padding() -> None:
    assert is_older("0055AED6DCD90281E5", "0055AED6DCD90281E6")
    assert is_older("0055AED6DCD9028", "0055AED6DCD90281E6")
    assert not is_older("0055AED6DCD90281E6", "0055AED6DCD9028")
    assert not is_older("617f08299329d189", "617F08299329D189")
    assert not is_older(None, "1")
    assert not is_older("1", None)


def test_prune_keeps_the_most_recently_published_then_the_highest_versions() -> None:
    from orchestrator.bundles.lifecycle import prune_plan
    from orchestrator.bundles.records import Published, VersionRecord, VersionState

    def rec(version: str, published_at: int | None, state: VersionState = VersionState.DEPLOYED) -> VersionRecord:
        published = (
            Published(bundle_sha256="x", functions={}, manifest_key="m", published_at=published_at)
            if published_at is not None
            else None
        )
        return VersionRecord(app_id="a", version=version, state=state, published=published)

    records = [rec("1.9", 100), rec("1.10", 100), rec("0.1", 50), rec("2.0", None, VersionState.FAILED),
               rec("0.0", 10, VersionState.DELETED)]  # fmt: skip
    assert [r.version for r in prune_plan(records, 2)] == ["0.1", "2.0"]
    assert [r.version for r in prune_plan(records, 0)] == ["1.10", "1.9", "0.1", "2.0"]
