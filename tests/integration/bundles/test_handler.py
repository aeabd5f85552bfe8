"""The bundle handler: S3 Object Created under bundles/ deploys; everything else is acknowledged;
duplicated and shuffled events end in the same records with each function created once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestrator.adapters.bundle_storage import BundleStorage
from orchestrator.adapters.store import VERSION_ATTR, Store
from orchestrator.bundles.records import APPS_PK, UPLOADS_PK, app_pk, upload_sk, version_sk
from orchestrator.explain import explain_event
from orchestrator.handlers import bundles
from orchestrator.handlers.common import MalformedEventError
from orchestrator.settings import get_settings
from tests.conftest import AWS_SAMPLES, fresh_aws, load_sample, recording_calls
from tests.integration.bundles.helpers import create_function_role, upload
from tests.lambda_context import FakeLambdaContext
from tests.unit.bundles.zips import bundle_zip, manifest, python_function

CONTEXT = FakeLambdaContext()
TIMES = {"updated_at", "published_at", VERSION_ATTR, "event_id"}


def handle(event: dict[str, Any]) -> dict[str, Any]:
    return bundles.handler(event, CONTEXT)  # type: ignore[arg-type]


def stable(value: Any) -> Any:
    """A record without timestamps and bookkeeping, for comparing final states."""
    if isinstance(value, dict):
        return {k: stable(v) for k, v in value.items() if k not in TIMES}
    if isinstance(value, list):
        return [stable(v) for v in value]
    return value


def all_records() -> dict[str, Any]:
    store = Store()
    items: dict[str, Any] = {}
    apps = [i["app_id"] for i in store.query(APPS_PK)]
    for app in apps:
        for item in store.query(app_pk(app)):
            items[f"{item['primary_id']}/{item['secondary_id']}"] = stable(item)
    for item in store.query(UPLOADS_PK):
        items[f"{item['primary_id']}/{item['secondary_id']}"] = stable(item)
    return items


@pytest.fixture
def bundles_aws() -> Any:
    with fresh_aws():
        create_function_role()
        yield


def test_an_uploaded_bundle_is_deployed(bundles_aws: None) -> None:
    event = upload("bundles/app.zip", bundle_zip(), sequencer="0A")
    result = handle(event)
    assert result == {"status": "deployed", "key": "bundles/app.zip", "app_id": "com.example.test",
                      "version": "1.0.0", "errors": []}  # fmt: skip
    upload_record = Store().get(UPLOADS_PK, upload_sk("bundles/app.zip"))
    assert upload_record is not None
    assert upload_record["state"] == "deployed"
    assert upload_record["sequencer"] == "0A"
    version = Store().get(app_pk("com.example.test"), version_sk("1.0.0"))
    assert version is not None
    assert version["published"]["bundle"]["version_id"] == event["detail"]["object"]["version-id"]


@pytest.mark.parametrize("sample", AWS_SAMPLES, ids=lambda p: p.name)
def test_every_documented_sample_is_acknowledged(bundles_aws: None, sample: Path) -> None:
    result = handle(json.loads(sample.read_text()))
    assert result["status"] == "ignored"


def test_foreign_bucket_and_other_prefixes_are_acknowledged(bundles_aws: None, api_calls: Any) -> None:
    bucket = get_settings().bundle_bucket
    foreign = load_sample("s3_object_created.json")
    assert handle(foreign)["status"] == "ignored"
    other = upload("uploads/app.zip", bundle_zip(), sequencer="01")
    assert handle(other)["status"] == "ignored"
    not_zip = upload("bundles/readme.txt", b"hello", sequencer="01", bucket=bucket)
    assert handle(not_zip)["status"] == "ignored"
    assert api_calls.count("lambda", "CreateFunction") == 0


def test_an_invalid_bundle_is_recorded_and_changes_nothing(bundles_aws: None, api_calls: Any) -> None:
    bad = bundle_zip(manifest(app_id="x", runtime_extra=1), functions={"main": python_function()})
    result = handle(upload("bundles/bad.zip", bad, sequencer="01"))
    assert result["status"] == "invalid"
    assert any("manifest.app_id" in e for e in result["errors"])
    assert any("topic.zip: [function.missing]" in e for e in result["errors"])
    record = Store().get(UPLOADS_PK, upload_sk("bundles/bad.zip"))
    assert record is not None
    assert record["state"] == "invalid"
    assert record["errors"] == result["errors"]
    assert api_calls.count("lambda", "CreateFunction") == 0
    assert BundleStorage().list_keys("manifests/") == []
    assert BundleStorage().list_keys("static/") == []


def test_a_bad_upload_of_a_deployed_version_shows_on_its_record(bundles_aws: None) -> None:
    handle(upload("bundles/app.zip", bundle_zip(), sequencer="01"))
    broken = bundle_zip(functions={"main": python_function()})
    assert handle(upload("bundles/app.zip", broken, sequencer="02"))["status"] == "invalid"
    version = Store().get(app_pk("com.example.test"), version_sk("1.0.0"))
    assert version is not None
    assert version["state"] == "deployed"
    assert version["last_rejected_upload"]["errors"] == [
        "topic.zip: [function.missing] manifest function 'topic' has no topic.zip or topic.jar"
    ]


def test_an_older_upload_arriving_late_is_superseded(bundles_aws: None) -> None:
    old = upload("bundles/app.zip", bundle_zip(tag="old"), sequencer="0055AED6DCD90281E5")
    new = upload("bundles/app.zip", bundle_zip(tag="new"), sequencer="0055AED6DCD90281E6")
    assert handle(new)["status"] == "deployed"
    with recording_calls() as calls:
        assert handle(old)["status"] == "superseded"
    assert calls.count("lambda", "UpdateFunctionCode") == 0
    assert calls.count("s3", "GetObject") == 0


def test_explain_says_which_bundle_would_be_deployed(bundles_aws: None) -> None:
    event = upload("bundles/app.zip", bundle_zip(), sequencer="01")
    explained = explain_event(event)
    assert [r.rule for r in explained.routes] == ["bundles"]
    assert explained.routes[0].action.startswith("deploys app com.example.test version 1.0.0 (2 functions")
    handle(event)
    assert explain_event(event).routes[0].action == "already handled (deployed); acknowledged"
    assert explain_event(load_sample("s3_object_created.json")).routes == []


def test_a_malformed_bundle_event_is_an_error(bundles_aws: None) -> None:
    event = upload("bundles/app.zip", bundle_zip(), sequencer="01")
    event["detail"]["object"]["size"] = "very large"
    with pytest.raises(MalformedEventError):
        handle(event)


def _stream() -> st.SearchStrategy[list[tuple[int, int, bool]]]:
    """(event index, copy number, fresh event id?) — each event at least once, in any order."""
    return st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2), st.booleans()), max_size=10)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(extra=_stream(), order=st.randoms(use_true_random=False))
def test_duplicated_and_shuffled_uploads_end_in_the_same_records(
    extra: list[tuple[int, int, bool]], order: Any
) -> None:
    with fresh_aws():
        create_function_role()
        a = bundle_zip(manifest(version="1.0.0"))
        b = bundle_zip(manifest(version="2.0.0"))
        events = [
            upload("bundles/a.zip", a, sequencer="0001"),
            upload("bundles/a.zip", a, sequencer="0002"),  # the same bytes uploaded again
            upload("bundles/b.zip", b, sequencer="0001"),
            upload("bundles/bad.zip", bundle_zip(b"{}"), sequencer="0001"),
        ]
        stream = list(events)
        for index, copy, fresh in extra:
            event = dict(events[index])
            if fresh:
                event["id"] = f"redelivered-{index}-{copy}"
            stream.append(event)
        order.shuffle(stream)
        with recording_calls() as calls:
            for event in stream:
                handle(event)
        assert calls.count("lambda", "CreateFunction") == 4
        assert calls.count("lambda", "UpdateFunctionCode") == 0
        assert calls.count("lambda", "UpdateFunctionConfiguration") == 0
        assert calls.count("lambda", "PublishVersion") == 4
        records = all_records()

    with fresh_aws():
        create_function_role()
        expected_events = [
            upload("bundles/a.zip", a, sequencer="0001"),
            upload("bundles/a.zip", a, sequencer="0002"),
            upload("bundles/b.zip", b, sequencer="0001"),
            upload("bundles/bad.zip", bundle_zip(b"{}"), sequencer="0001"),
        ]
        for event in expected_events:
            handle(event)
        expected = all_records()

    def without_object_ids(items: dict[str, Any]) -> dict[str, Any]:
        text = json.dumps(items, sort_keys=True)
        for event in (*events, *expected_events):
            text = text.replace(event["detail"]["object"]["version-id"], "<version-id>")
        return json.loads(text)  # type: ignore[no-any-return]

    assert without_object_ids(records) == without_object_ids(expected)
    assert records["BUNDLE_UPLOADS/KEY#bundles/a.zip"]["sequencer"] == "0002"
    assert records["BUNDLE#com.example.test/VERSION#1.0.0"]["state"] == "deployed"
    assert records["BUNDLE_UPLOADS/KEY#bundles/bad.zip"]["state"] == "invalid"


@settings(max_examples=8, deadline=None)
@given(order=st.permutations([0, 1, 2]), dupes=st.lists(st.integers(0, 2), max_size=3))
def test_the_newest_upload_of_a_key_wins_in_any_order(order: list[int], dupes: list[int]) -> None:
    with fresh_aws():
        create_function_role()
        tags = ["one", "two", "three"]
        events = [upload("bundles/app.zip", bundle_zip(tag=t), sequencer=f"00{i + 1}") for i, t in enumerate(tags)]
        for index in [*order, *dupes]:
            handle(dict(events[index], id=f"e-{index}-{len(dupes)}-{order.index(index)}"))
        record = Store().get(app_pk("com.example.test"), version_sk("1.0.0"))
        assert record is not None
        assert record["published"]["bundle"]["version_id"] == events[2]["detail"]["object"]["version-id"]
        assert Store().get(UPLOADS_PK, upload_sk("bundles/app.zip"))["sequencer"] == "003"  # type: ignore[index]
