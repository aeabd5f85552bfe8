"""Against moto: a bundle whose names belong to another app version is refused before its first write
(through the CLI's path and the handler's), names are given back on delete, and a deploy that finds the
handler deploying the same upload waits for it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from orchestrator.adapters.bundle_storage import BundleStorage
from orchestrator.adapters.lambda_functions import LambdaFunctions
from orchestrator.adapters.store import VERSION_ATTR, Store
from orchestrator.bundles import naming
from orchestrator.bundles.deploy import BundleDeps, DeployInProgressError, deploy_bundle
from orchestrator.bundles.lifecycle import delete_version
from orchestrator.bundles.ownership import NAMES_PK, NameCollisionError
from orchestrator.bundles.records import UPLOADS_PK, app_pk, lease_sk, upload_sk, version_sk
from orchestrator.bundles.uploads import upload_bundle
from orchestrator.bundles.validation import Bundle, load_bundle
from orchestrator.bundles.waiting import BY_HANDLER, deploy_and_wait, published_sha256
from orchestrator.explain import explain_event
from orchestrator.handlers import bundles
from tests.conftest import CallRecorder, fresh_aws, recording_calls
from tests.integration.bundles.helpers import create_function_role, upload
from tests.lambda_context import FakeLambdaContext
from tests.unit.bundles.zips import bundle_zip, manifest

WRITES = {("lambda", "CreateFunction"), ("lambda", "UpdateFunctionCode"), ("s3", "PutObject"),
          ("lambda", "PublishVersion"), ("lambda", "CreateAlias"), ("s3", "DeleteObject")}  # fmt: skip


@pytest.fixture
def bundles_aws() -> Iterator[None]:
    with fresh_aws():
        create_function_role()
        yield


def bundle_of(app_id: str, version: str, static: bytes = b"first") -> Bundle:
    return load_bundle(bundle_zip(manifest(app_id=app_id, version=version), static={"hello.txt": static}))


def deploy(bundle: Bundle) -> Any:
    return deploy_bundle(bundle, source=None)


def static_body(app_id: str, version: str) -> bytes | None:
    return BundleStorage().read(naming.static_key(app_id, version, "hello.txt"), max_bytes=1024)


def test_the_second_of_two_apps_sharing_every_key_is_refused_before_its_first_write(bundles_aws: None) -> None:
    assert deploy(bundle_of("my_app", "1_0")).status == "deployed"
    second = bundle_of("my_app_1", "0", static=b"second")
    with recording_calls() as calls, pytest.raises(NameCollisionError) as raised:
        deploy(second)
    message = str(raised.value)
    assert "my_app_1 0 collides with another app version" in message
    assert "static/my_app_1_0_app/*, manifests/my_app_1_0.json belong(s) to my_app/1_0" in message
    assert "Lambda function my_app_1_0_main belong(s) to my_app/1_0" in message
    assert not [op for op in WRITES if calls.count(*op)]
    assert static_body("my_app", "1_0") == b"first"  # what the first app serves is untouched
    assert BundleStorage().read_json(naming.manifest_key("my_app", "1_0"))["app_id"] == "my_app"
    assert Store().get(app_pk("my_app_1"), version_sk("0")) is None
    assert Store().get(app_pk("my_app_1"), lease_sk("0")) is None  # the lease was given back


def test_lambda_names_alone_can_collide(bundles_aws: None) -> None:
    deploy(bundle_of("com.example", "1"))
    with pytest.raises(NameCollisionError, match="Lambda function com-example_1_main belong"):
        deploy(bundle_of("com-example", "1"))
    assert BundleStorage().list_keys("static/com-example_1_app/") == []


def test_an_upload_that_collides_is_recorded_invalid_and_changes_nothing(bundles_aws: None) -> None:
    def handle(event: dict[str, Any]) -> dict[str, Any]:
        return bundles.handler(event, FakeLambdaContext())  # type: ignore[arg-type]

    first = bundle_zip(manifest(app_id="my_app", version="1_0"), static={"hello.txt": b"first"})
    assert handle(upload("bundles/first.zip", first, sequencer="01"))["status"] == "deployed"
    second = bundle_zip(manifest(app_id="my_app_1", version="0"), static={"hello.txt": b"second"})
    event = upload("bundles/second.zip", second, sequencer="02")
    (explained,) = explain_event(event).routes
    assert explained.action.startswith("refuses s3://")
    assert "collides with another app version" in explained.action
    outcome = handle(event)
    assert outcome["status"] == "invalid"
    assert outcome["errors"][0].startswith("bundles/second.zip: [bundle.collision] my_app_1 0 collides")
    assert Store().get(UPLOADS_PK, upload_sk("bundles/second.zip"))["errors"] == outcome["errors"]  # type: ignore[index]
    assert static_body("my_app", "1_0") == b"first"
    function = LambdaFunctions().get("my_app_1_0_main")
    assert function is not None
    assert function.tags["orchestrator:bundle"] == "my_app/1_0"


def test_deleting_an_app_version_gives_its_names_back(bundles_aws: None) -> None:
    deploy(bundle_of("my_app", "1_0"))
    assert len(Store().query(NAMES_PK)) == 3  # the S3 stem and two functions
    delete_version("my_app", "1_0")
    assert Store().query(NAMES_PK) == []
    assert deploy(bundle_of("my_app_1", "0", static=b"second")).status == "deployed"
    assert static_body("my_app_1", "0") == b"second"


def test_a_redeploy_claims_nothing_new(bundles_aws: None) -> None:
    def claim_calls(calls: CallRecorder) -> list[str]:
        return [operation for _, operation, params in calls.params if NAMES_PK in str(params)]

    bundle = bundle_of("my_app", "1_0")
    with recording_calls() as first:
        deploy(bundle)
    # the 3 names (S3 stem, 2 functions) in one transaction (ownership.claim_names; was a GetItem and a PutItem each)
    assert claim_calls(first) == ["TransactWriteItems"]
    names = Store().query(NAMES_PK)
    assert len(names) == 3
    with recording_calls() as again:
        assert deploy(bundle).status == "unchanged"
    assert claim_calls(again) == ["TransactWriteItems"]  # each put holds ("ours"): the same items
    assert Store().query(NAMES_PK) == names


def test_a_name_claimed_by_a_racing_deploy_refuses_the_transaction_and_claims_nothing(bundles_aws: None) -> None:
    # Another app version claimed one Lambda name (its deploy has not created the function yet): only the
    # table says so, and the one transaction of this deploy is refused as a whole.
    lambda_name = naming.lambda_name("my_app", "1_0", "main")
    Store().put({"primary_id": NAMES_PK, "secondary_id": f"LAMBDA#{lambda_name}", "owner": "other/9"})
    with pytest.raises(NameCollisionError, match=f"Lambda function {lambda_name} belong\\(s\\) to other/9"):
        deploy(bundle_of("my_app", "1_0"))
    assert [i["owner"] for i in Store().query(NAMES_PK)] == ["other/9"]  # nothing of ours left claimed
    assert static_body("my_app", "1_0") is None


def test_deploy_waits_while_the_handler_deploys_the_same_upload(bundles_aws: None) -> None:
    data = bundle_zip()
    bundle = load_bundle(data)
    location = upload_bundle(data, bundle.app_id, bundle.version)
    deps = BundleDeps()
    # The upload's event reached the handler first: it holds the lease for this very bundle.
    handler_owner = "event-from-s3"
    Store().put({"primary_id": app_pk(bundle.app_id), "secondary_id": lease_sk(bundle.version),
                 "owner": handler_owner, "bundle_sha256": bundle.sha256, "expires": 2**40, "since": 0, VERSION_ATTR: 1})  # fmt: skip
    steps: list[str] = []
    sleeps: list[float] = []

    def handler_finishes(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 2:  # the handler's deploy ends while the CLI waits
            deploy_bundle(bundle, source=location, deps=deps, owner=handler_owner)

    outcome = deploy_and_wait(
        bundle, source=location, deps=deps, progress=lambda step, _: steps.append(step), sleep=handler_finishes,
        published_before=None,
    )  # fmt: skip
    assert (outcome.status, outcome.note) == ("deployed", BY_HANDLER)
    assert len(sleeps) == 2
    assert steps[:2] == ["waiting", "waiting"]
    assert LambdaFunctions().get(naming.lambda_name(bundle.app_id, bundle.version, "main")) is not None


def test_the_wait_has_a_bound(bundles_aws: None) -> None:
    bundle = load_bundle(bundle_zip())
    Store().put({"primary_id": app_pk(bundle.app_id), "secondary_id": lease_sk(bundle.version),
                 "owner": "stuck", "bundle_sha256": bundle.sha256, "expires": 2**40, "since": 0, VERSION_ATTR: 1})  # fmt: skip
    ticks = iter(range(100))
    with pytest.raises(DeployInProgressError, match="still deploying this upload after 5s"):
        deploy_and_wait(bundle, source=None, deps=BundleDeps(), progress=lambda *_: None, timeout=5,
                        sleep=lambda _: None, clock=lambda: float(next(ticks)), published_before=None)  # fmt: skip


def test_a_deploy_the_handler_finished_before_the_cli_looked_is_reported_deployed(bundles_aws: None) -> None:
    data = bundle_zip()
    bundle = load_bundle(data)
    deps = BundleDeps()
    before = published_sha256(deps, bundle.app_id, bundle.version)
    location = upload_bundle(data, bundle.app_id, bundle.version)
    deploy_bundle(bundle, source=location, deps=deps, owner="event-from-s3")  # the handler, done already
    outcome = deploy_and_wait(bundle, source=location, deps=deps, progress=lambda *_: None, published_before=before)
    assert (outcome.status, outcome.note) == ("deployed", BY_HANDLER)
    # A true redeploy of what is served stays "unchanged".
    again = deploy_and_wait(
        bundle, source=location, deps=deps, progress=lambda *_: None,
        published_before=published_sha256(deps, bundle.app_id, bundle.version),
    )  # fmt: skip
    assert (again.status, again.note) == ("unchanged", None)
