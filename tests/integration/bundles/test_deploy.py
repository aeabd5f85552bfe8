"""Deploying bundles against moto: names and keys, idempotent redeploys, updates, failures that keep the
old deploy served, calls through routing with the local runtime, delete and prune."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from orchestrator.adapters.bundle_storage import BundleStorage
from orchestrator.adapters.clients import client
from orchestrator.adapters.lambda_functions import LambdaFunctions
from orchestrator.adapters.store import VERSION_ATTR, Store
from orchestrator.bundles import naming
from orchestrator.bundles.calls import CallError, call
from orchestrator.bundles.deploy import DeployFailedError, deploy_bundle
from orchestrator.bundles.lifecycle import delete_version, list_versions, prune
from orchestrator.bundles.ownership import NameCollisionError
from orchestrator.bundles.records import BundleLocation, app_pk, version_sk
from orchestrator.bundles.uploads import upload_bundle
from orchestrator.bundles.validation import Bundle, load_bundle
from orchestrator.local.lambda_runtime import LocalLambdaRuntime
from orchestrator.settings import get_settings
from tests.conftest import CallRecorder, fresh_aws, recording_calls
from tests.integration.bundles.helpers import create_function_role, failing, sha256_b64
from tests.unit.bundles.zips import bundle_zip, manifest, python_function, sample_bundle

APP, VERSION = "com.example.test", "1.0.0"
WRITES = [
    ("lambda", "CreateFunction"), ("lambda", "UpdateFunctionCode"), ("lambda", "UpdateFunctionConfiguration"),
    ("lambda", "PublishVersion"), ("lambda", "CreateAlias"), ("lambda", "UpdateAlias"), ("s3", "PutObject"),
    ("lambda", "DeleteFunction"), ("s3", "DeleteObject"),
]  # fmt: skip


@pytest.fixture
def bundles_aws() -> Iterator[str]:
    with fresh_aws():
        yield create_function_role()


def deploy(data: bytes) -> tuple[Bundle, Any]:
    bundle = load_bundle(data)
    location = upload_bundle(data, bundle.app_id, bundle.version)
    return bundle, deploy_bundle(bundle, source=location)


def record(app: str = APP, version: str = VERSION) -> dict[str, Any]:
    item = Store().get(app_pk(app), version_sk(version))
    assert item is not None
    return item


def manifest_body(app: str = APP, version: str = VERSION) -> Any:
    return BundleStorage().read_json(naming.manifest_key(app, version))


def writes(calls: CallRecorder) -> dict[tuple[str, str], int]:
    return {op: calls.count(*op) for op in WRITES if calls.count(*op)}


def test_deploy_creates_every_name_and_key(bundles_aws: str) -> None:
    data = sample_bundle()
    bundle, outcome = deploy(data)
    assert outcome.status == "deployed"
    lambdas = LambdaFunctions()
    for function, handler, env in (("main", "app.handler", {}), ("send", "send.handler", {"GREETING": "Hello"})):
        name = f"hello-bundle_v1-0-0_{function}"
        state = lambdas.get(name)
        assert state is not None
        assert (state.handler, state.runtime, state.role) == (handler, "python3.12", bundles_aws)
        assert state.code_sha256 == sha256_b64(bundle.functions[function].data)
        assert state.environment == {
            **env,
            "ORCHESTRATOR_APP_ID": "hello-bundle",
            "ORCHESTRATOR_APP_VERSION": "v1.0.0",
            "ORCHESTRATOR_STATIC_BUCKET": get_settings().bundle_bucket,
            "ORCHESTRATOR_STATIC_PREFIX": "static/hello-bundle_v1.0.0_app/",
        }
        assert state.tags == {"orchestrator:bundle": "hello-bundle/v1.0.0", "orchestrator:managed": "bundles"}
        live = lambdas.get(name, naming.LIVE_ALIAS)
        assert live is not None
        assert live.code_sha256 == state.code_sha256
    storage = BundleStorage()
    assert sorted(storage.list_keys("static/")) == [
        "static/hello-bundle_v1.0.0_app/icon.png",
        "static/hello-bundle_v1.0.0_app/index.html",
    ]
    assert storage.read("static/hello-bundle_v1.0.0_app/icon.png", max_bytes=10_000) == bundle.static_files["icon.png"]
    assert storage.list_keys("manifests/") == ["manifests/hello-bundle_v1.0.0.json"]
    assert manifest_body("hello-bundle", "v1.0.0") == bundle.manifest_raw
    item = record("hello-bundle", "v1.0.0")
    assert item["state"] == "deployed"
    assert item["published"]["bundle"]["key"] == "bundles/hello-bundle_v1.0.0.zip"
    assert {k: v["name"] for k, v in item["functions"].items()} == {
        "main": "hello-bundle_v1-0-0_main",
        "send": "hello-bundle_v1-0-0_send",
    }
    assert item["functions"]["send"]["code_sha256"] == sha256_b64(bundle.functions["send"].data)


def test_manifest_is_written_last(bundles_aws: str, api_calls: CallRecorder) -> None:
    deploy(bundle_zip())
    ops = [(service, op, params) for service, op, params in api_calls.params if (service, op) in WRITES]
    last_service, last_op, _ = ops[-1]
    assert (last_service, last_op) == ("s3", "PutObject")
    manifest_puts = [i for i, (s, o, _) in enumerate(ops) if o == "PutObject"]
    lambda_writes = [i for i, (s, _, _) in enumerate(ops) if s == "lambda"]
    assert max(lambda_writes) < manifest_puts[-1]


def test_redeploying_the_same_bundle_changes_nothing(bundles_aws: str) -> None:
    data = bundle_zip()
    deploy(data)
    before = record()
    bundle = load_bundle(data)
    with recording_calls() as calls:
        outcome = deploy_bundle(bundle, source=BundleLocation.model_validate(before["published"]["bundle"]))
    assert outcome.status == "unchanged"
    assert outcome.changes == []
    assert writes(calls) == {}
    assert record() == before


def test_a_changed_function_is_the_only_one_updated(bundles_aws: str) -> None:
    deploy(bundle_zip())
    changed = bundle_zip(functions={"main": python_function(tag="v1"), "topic": python_function(tag="v2-topic")})
    with recording_calls() as calls:
        _, outcome = deploy(changed)
    assert outcome.status == "deployed"
    assert calls.count("lambda", "UpdateFunctionCode") == 1
    assert calls.count("lambda", "CreateFunction") == 0
    assert calls.count("lambda", "UpdateAlias") == 1
    assert "updated code of com-example-test_1-0-0_topic" in outcome.changes


def test_handler_runtime_and_environment_are_updated_too(bundles_aws: str) -> None:
    deploy(bundle_zip())
    fns = manifest()["aws_lambda"]["functions"]
    fns[1] = {**fns[1], "handler": "app.handler", "runtime": "python3.13", "environment": {"MODE": "fast"}}
    with recording_calls() as calls:
        deploy(bundle_zip(manifest(aws_lambda={"functions": fns})))
    assert calls.count("lambda", "UpdateFunctionConfiguration") == 1
    assert calls.count("lambda", "UpdateFunctionCode") == 0
    state = LambdaFunctions().get("com-example-test_1-0-0_topic", naming.LIVE_ALIAS)
    assert state is not None
    assert state.runtime == "python3.13"
    assert state.environment["MODE"] == "fast"


def test_calls_are_routed_as_a_mattermost_server_routes_them_and_run_locally(bundles_aws: str) -> None:
    deploy(bundle_zip())
    runtime = LocalLambdaRuntime()
    topic = call(APP, VERSION, "/topic/x", {"hello": 1}, invoker=runtime)
    assert (topic.function, topic.status_code, topic.body["tag"]) == ("topic", 200, "v1-topic")
    assert topic.body["path"] == "/topic/x"
    # A string prefix, as the server matches: /topic catches /topicX (bundle validate warns about it).
    caught = call(APP, VERSION, "/topicX", None, invoker=runtime)
    assert (caught.function, caught.body["tag"], caught.body["path"]) == ("topic", "v1-topic", "/topicX")
    # The path is cleaned first, and the function receives the cleaned path.
    cleaned = call(APP, VERSION, "//other/../topic/", None, invoker=runtime)
    assert (cleaned.function, cleaned.body["path"]) == ("topic", "/topic")
    other = call(APP, VERSION, "/other", None, invoker=runtime)
    assert (other.function, other.body["tag"]) == ("main", "v1")
    with pytest.raises(CallError, match="must start with '/'"):
        call(APP, VERSION, "topic", None, invoker=runtime)
    with pytest.raises(CallError, match="com-example-test_1-0-0_main failed: ValueError: kaboom /boom"):
        call(APP, VERSION, "/boom", None, invoker=runtime)
    with pytest.raises(CallError, match=r"answered 404: .*no such thing"):
        call(APP, VERSION, "/missing", None, invoker=runtime)
    with pytest.raises(CallError, match="not published"):
        call(APP, "9.9", "/", None, invoker=runtime)


def test_a_failed_update_keeps_the_previous_deploy_served(bundles_aws: str) -> None:
    deploy(bundle_zip(tag="v1"))
    before = record()
    served_manifest = manifest_body()
    new = bundle_zip(tag="v2")
    with (
        failing("UpdateFunctionCode", when={"FunctionName": "com-example-test_1-0-0_topic"}) as failed,
        pytest.raises(DeployFailedError) as raised,
    ):
        deploy(new)
    assert failed == ["UpdateFunctionCode"]
    assert raised.value.outcome.failed_step == "function topic"
    after = record()
    assert after["state"] == "failed"
    assert after["step"] == "function topic"
    assert "UpdateFunctionCode failed: ServiceException: injected failure" in after["error"]
    assert after["published"] == before["published"]
    assert manifest_body() == served_manifest
    # main's $LATEST already has the new code, but calls go to the `live` alias: still the old code.
    latest = LambdaFunctions().get("com-example-test_1-0-0_main")
    assert latest is not None
    assert latest.code_sha256 == sha256_b64(load_bundle(new).functions["main"].data)
    runtime = LocalLambdaRuntime()
    assert call(APP, VERSION, "/", None, invoker=runtime).body["tag"] == "v1"
    assert call(APP, VERSION, "/topic", None, invoker=runtime).body["tag"] == "v1-topic"
    # Once the cause is gone, the same bundle deploys and is served.
    _, outcome = deploy(new)
    assert outcome.status == "deployed"
    assert record()["state"] == "deployed"
    assert call(APP, VERSION, "/", None, invoker=runtime).body["tag"] == "v2"


def test_a_failed_new_version_leaves_the_old_version_served(bundles_aws: str) -> None:
    deploy(bundle_zip())
    with (
        failing("CreateFunction", when={"FunctionName": "com-example-test_2-0-0_topic"}),
        pytest.raises(DeployFailedError),
    ):
        deploy(bundle_zip(manifest(version="2.0.0")))
    assert record(version="2.0.0")["state"] == "failed"
    assert "published" not in record(version="2.0.0")
    assert manifest_body(version="2.0.0") is None
    runtime = LocalLambdaRuntime()
    assert call(APP, VERSION, "/", None, invoker=runtime).status_code == 200
    with pytest.raises(CallError, match="not published"):
        call(APP, "2.0.0", "/", None, invoker=runtime)


def test_a_foreign_function_with_the_same_name_is_left_alone(bundles_aws: str) -> None:
    client("lambda").create_function(
        FunctionName="com-example-test_1-0-0_main", Runtime="python3.12", Role=bundles_aws, Handler="x.y",
        Code={"ZipFile": python_function()},
    )  # fmt: skip
    with recording_calls() as calls, pytest.raises(NameCollisionError, match=r"com-example-test_1-0-0_main exists"):
        deploy(bundle_zip())
    state = LambdaFunctions().get("com-example-test_1-0-0_main")
    assert state is not None
    assert state.handler == "x.y"
    # Refused before the first write: not even the other function or the static files were created.
    assert writes(calls) == {("s3", "PutObject"): 1}  # the bundle upload itself
    assert Store().get(app_pk(APP), version_sk(VERSION)) is None


def test_missing_function_role_is_a_recorded_configuration_error() -> None:
    with fresh_aws():
        with pytest.raises(DeployFailedError, match="ORCHESTRATOR_FUNCTION_ROLE_ARN"):
            deploy(bundle_zip())
        assert record()["error"].startswith("configuration: ")


def test_list_delete_and_prune(bundles_aws: str) -> None:
    for version in ("1.0.0", "2.0.0", "3.0.0"):
        deploy(bundle_zip(manifest(version=version)))
    assert sorted(r.version for r in list_versions()) == ["1.0.0", "2.0.0", "3.0.0"]
    outcome = delete_version(APP, "1.0.0")
    assert "function com-example-test_1-0-0_main" in outcome.removed
    assert LambdaFunctions().get("com-example-test_1-0-0_main") is None
    assert manifest_body(version="1.0.0") is None
    assert BundleStorage().list_keys("static/com.example.test_1.0.0_app/") == []
    assert record(version="1.0.0")["state"] == "deleted"
    pruned = prune(1)
    assert [(o.app_id, o.version) for o in pruned] == [(APP, "2.0.0")]
    assert {r.version: r.state.value for r in list_versions(app_id=APP)} == {
        "1.0.0": "deleted", "2.0.0": "deleted", "3.0.0": "deployed",
    }  # fmt: skip
    assert LambdaFunctions().get("com-example-test_3-0-0_topic") is not None
    assert json.dumps(record(version="3.0.0"), default=str)
    assert VERSION_ATTR in record(version="3.0.0")
