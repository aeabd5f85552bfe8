"""The optimistic update writes only what changed when it starts from a read, and the whole item when it
starts from a guess; a release's version comes from one projected item (issue 17)."""

from __future__ import annotations

import json
from typing import Any

from orchestrator.adapters.store import VERSION_ATTR, Item, Store
from orchestrator.pipeline.releases import get_release, record_release, rolled_back_since
from tests.conftest import CallRecorder, recording_calls

PK, SK = "APP#demo", "BUILD#0000000001"
RECORD: Item = {
    "app": "demo",
    "plan": {"processes": {"web": {"command": "gunicorn", "cpu": 256}}},
    "release": {"state": "started", "start": 10},
    "tasks": {"release": {"exit_code": None}},
    "notes": "kept",
}


def body(calls: CallRecorder, operation: str) -> dict[str, Any]:
    (payload,) = [p for _, op, p in calls.params if op == operation]
    return json.loads(payload) if isinstance(payload, bytes | str) else payload


def stored() -> Item:
    item = Store().get(PK, SK)
    assert item is not None
    return item


def create() -> Item:
    _, after = Store().update(PK, SK, lambda _: dict(RECORD))
    assert after is not None
    return after


def test_a_change_from_a_read_sends_only_the_attributes_that_moved(aws: None) -> None:
    create()

    def change(item: Item | None) -> Item:
        assert item is not None
        item["release"]["state"] = "succeeded"  # in place: the diff is taken against a copy of the read
        return {k: v for k, v in item.items() if k != "tasks"} | {"release_version": 3}

    with recording_calls() as calls:
        before, after = Store().update(PK, SK, change)
    assert [op for _, op, _ in calls.params] == ["GetItem", "UpdateItem"]
    request = body(calls, "UpdateItem")
    assert set(request["ExpressionAttributeNames"].values()) == {VERSION_ATTR, "release", "release_version", "tasks"}
    assert "plan" not in json.dumps(request)
    assert "REMOVE" in request["UpdateExpression"]
    assert before is not None
    assert after is not None
    assert stored() == after
    assert stored()["release"] == {"state": "succeeded", "start": 10}
    assert "tasks" not in stored()
    assert stored()["notes"] == "kept"
    assert stored()[VERSION_ATTR] == before[VERSION_ATTR] + 1


def test_a_none_value_removes_the_attribute_as_a_put_would(aws: None) -> None:
    create()
    Store().update(PK, SK, lambda item: {**(item or {}), "notes": None})
    assert "notes" not in stored()


def test_a_guessed_current_of_a_version_this_store_wrote_starts_from_its_image(aws: None) -> None:
    """A caller's `current` may show a change it has not written yet: a change that must be written is
    applied by `change` itself (record_store.then). With the image of that version, `change` runs on what is
    stored, no read is made, and only what changed is sent."""
    store = Store()
    _, written = store.update(PK, SK, lambda _: dict(RECORD))
    assert written is not None
    succeeded = {"state": "succeeded", "start": 10, "end": 20}
    guessed = {**written, "release": succeeded}  # shown, not stored

    def change(item: Item | None) -> Item:
        assert item is not None
        assert item["release"]["state"] == "started"  # the image, not the guess
        return {**item, "release": succeeded, "release_version": 3}

    with recording_calls() as calls:
        _, after = store.update(PK, SK, change, current=guessed)
    assert [op for _, op, _ in calls.params] == ["UpdateItem"]
    assert set(body(calls, "UpdateItem")["ExpressionAttributeNames"].values()) == {
        VERSION_ATTR, "release", "release_version",
    }  # fmt: skip
    assert stored()["release"]["state"] == "succeeded"
    assert stored()["release_version"] == 3
    assert after is not None
    with recording_calls() as again:  # already applied: "unchanged", from the image, with no call
        store.update(PK, SK, lambda item: {**(item or {}), "release_version": 3}, current=after)
    assert again.params == []


def test_a_guessed_current_without_an_image_of_its_version_is_put_whole(aws: None) -> None:
    written = create()  # by another Store: this one has no image
    guessed = {**written, "release": {"state": "succeeded", "start": 10, "end": 20}}
    with recording_calls() as calls:
        Store().update(PK, SK, lambda item: {**(item or {}), "release_version": 3}, current=guessed)
    assert [op for _, op, _ in calls.params] == ["PutItem"]
    assert stored()["release"]["state"] == "succeeded"
    assert stored()["release_version"] == 3


def test_an_image_of_another_version_is_not_used(aws: None) -> None:
    store = Store()
    store.update(PK, SK, lambda _: dict(RECORD))
    Store().update(PK, SK, lambda item: {**(item or {}), "notes": "theirs"})  # version 2, unseen by `store`
    current = stored()
    with recording_calls() as calls:
        store.update(PK, SK, lambda item: {**(item or {}), "release_version": 3}, current=current)
    assert [op for _, op, _ in calls.params] == ["PutItem"]
    assert stored()["notes"] == "theirs"
    assert stored()["release_version"] == 3


def test_a_write_from_a_stale_read_retries_from_a_fresh_one(aws: None) -> None:
    create()
    seen: list[int] = []

    def change(item: Item | None) -> Item:
        assert item is not None
        seen.append(int(item[VERSION_ATTR]))
        if len(seen) == 1:  # someone else writes between this read and this write
            Store().update(PK, SK, lambda other: {**(other or {}), "notes": "theirs"})
        return {**item, "release_version": 7}

    Store().update(PK, SK, change)
    assert seen == [1, 2]
    assert stored()["notes"] == "theirs"
    assert stored()["release_version"] == 7


def test_the_query_returns_only_the_attributes_asked_for(aws: None) -> None:
    create()
    (item,) = Store().query(PK, "BUILD#", attributes=("app", VERSION_ATTR))
    assert item == {"app": "demo", VERSION_ATTR: 1}  # as DynamoDB projects: not even the keys


def _record(scope: str) -> tuple[int, bool]:
    release, recorded = record_release(
        Store(), "demo", scope=scope, kind="deploy", description=scope, build_number=1,
        task_definitions={"web": "arn:td/web:1"}, caller="test", at=100,
    )  # fmt: skip
    return release.version, recorded


def test_a_release_takes_its_version_from_one_projected_item(aws: None) -> None:
    for n in range(1, 4):
        assert _record(f"BUILD#{n}#deploy") == (n, True)
    with recording_calls() as calls:
        assert _record("BUILD#4#deploy") == (4, True)
    assert [op for _, op, _ in calls.params] == ["Query", "TransactWriteItems"]
    query = body(calls, "Query")
    assert query["Limit"] == 1
    assert query["ScanIndexForward"] is False
    assert "ProjectionExpression" in query


def test_a_redelivered_release_is_found_newest_or_older(aws: None) -> None:
    for n in range(1, 4):
        _record(f"BUILD#{n}#deploy")
    assert _record("BUILD#3#deploy") == (3, False)  # the newest: from the Query
    assert _record("BUILD#1#deploy") == (1, False)  # an older one: from the transaction's lookup
    assert _record("BUILD#5#deploy") == (4, True)
    release = get_release(Store(), "demo", 4)
    assert release is not None
    assert release.scope == "BUILD#5#deploy"


def test_a_rollback_is_found_among_the_releases_after_a_version_only(aws: None) -> None:
    for n in range(1, 4):
        _record(f"BUILD#{n}#deploy")
    record_release(
        Store(), "demo", scope="ROLLBACK#1", kind="rollback", description="back to 1", build_number=1,
        task_definitions={"web": "arn:td/web:1"}, caller="test", at=100, rollback_of=1,
    )  # fmt: skip
    assert rolled_back_since(Store(), "demo", 3)
    assert not rolled_back_since(Store(), "demo", 4)  # the rollback is release 4 itself
    with recording_calls() as calls:
        rolled_back_since(Store(), "demo", 2)
    query = body(calls, "Query")
    assert "BETWEEN" in query["KeyConditionExpression"]
    assert "ProjectionExpression" in query


def test_an_update_without_current_starts_from_the_stores_image(aws: None) -> None:
    store = Store()
    store.update(PK, SK, lambda _: dict(RECORD))
    with recording_calls() as calls:
        store.update(PK, SK, lambda item: {**(item or {}), "release_version": 3})
    assert [op for _, op, _ in calls.params] == ["UpdateItem"]  # no read: the image is what it wrote
    assert stored()["release_version"] == 3


def test_an_image_that_someone_else_moved_on_from_costs_a_read_and_a_retry(aws: None) -> None:
    store = Store()
    store.update(PK, SK, lambda _: dict(RECORD))
    Store().update(PK, SK, lambda item: {**(item or {}), "notes": "theirs"})
    with recording_calls() as calls:
        store.update(PK, SK, lambda item: {**(item or {}), "release_version": 3})
    assert [op for _, op, _ in calls.params] == ["UpdateItem", "GetItem", "UpdateItem"]
    assert stored()["notes"] == "theirs"
    assert stored()["release_version"] == 3


def test_unchanged_is_never_concluded_from_an_image_alone(aws: None) -> None:
    """The image shows the change made; someone undid it since: a read finds that, and the change is made."""
    store = Store()
    store.update(PK, SK, lambda _: dict(RECORD))
    Store().update(PK, SK, lambda item: {k: v for k, v in (item or {}).items() if k != "notes"})
    with recording_calls() as calls:
        store.update(PK, SK, lambda item: {**(item or {}), "notes": "kept"})
    assert [op for _, op, _ in calls.params] == ["GetItem", "UpdateItem"]
    assert stored()["notes"] == "kept"
