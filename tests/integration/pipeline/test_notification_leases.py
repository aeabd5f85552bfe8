"""Who publishes a build's state change (orchestrator/notifications/leases.py): the lease a handler's record
write takes, left to its holder while recent, taken over when stale, taken by a write of its own when the
change was written outside a handler; against moto, with exact calls."""

from __future__ import annotations

import time

import pytest

from orchestrator.adapters.event_bus import EventBus
from orchestrator.adapters.store import Store
from orchestrator.invocation import handling
from orchestrator.notifications.publish import NotifyDeps, publish_state_changes
from orchestrator.pipeline.claims import STALE_AFTER_SECONDS
from orchestrator.pipeline.record_store import change_record, load_record, with_phase
from orchestrator.pipeline.records import BuildRecord, Phase, PhaseState, PublishLease
from tests.conftest import CallRecorder, recording_calls
from tests.integration.pipeline.world import declare

STARTED = Phase(state=PhaseState.STARTED, start=1_800_000_000)


def started(record: BuildRecord) -> BuildRecord:
    return with_phase(record, "build", STARTED)


def stored() -> BuildRecord:
    record = load_record(Store(), "demo", 1)
    assert record is not None
    return record


def publish() -> list[str]:
    return [c.key for c in publish_state_changes(NotifyDeps(store=Store(), bus=EventBus()), "demo", 1)]


def lease(owner: str, at: int) -> None:
    def leased(record: BuildRecord) -> BuildRecord:
        return record.model_copy(update={"publishing": {"build:started": PublishLease(owner=owner, at=at)}})

    change_record(Store(), "demo", 1, leased)


def record_writes(calls: CallRecorder) -> int:
    """Writes of the record: a put, or (from an item read or written before) an UpdateItem of what changed."""
    return calls.count("dynamodb", "PutItem") + calls.count("dynamodb", "UpdateItem")


@pytest.fixture
def app(aws: None) -> None:
    declare()


def test_a_handlers_write_leases_the_change_it_makes_and_a_write_that_changes_nothing_does_not(app: None) -> None:
    with handling("event-1"):
        _, after = change_record(Store(), "demo", 1, started)
    assert after.publishing == {"build:started": PublishLease(owner="event-1/notify#each", at=after.publishing["build:started"].at)}
    with handling("event-2"), recording_calls() as calls:
        change_record(Store(), "demo", 1, started)  # the phase is there already: nothing to write, no lease
    assert record_writes(calls) == 0
    assert stored().publishing is not None
    assert stored().publishing["build:started"].owner == "event-1/notify#each"


def test_a_change_leased_by_another_invocation_is_left_to_it_until_its_retry(app: None) -> None:
    with handling("event-1"):
        change_record(Store(), "demo", 1, started)
    with handling("event-2"), recording_calls() as calls:
        assert publish() == []
    assert calls.count("events", "PutEvents") == 0
    assert record_writes(calls) == 0
    with handling("event-1"), recording_calls() as calls:  # the holder's retry (same event id)
        assert publish() == ["build:started"]
    assert record_writes(calls) == 1  # marked; the lease it held is dropped
    assert stored().notified == ["build:started"]
    assert stored().publishing is None


def test_a_stale_lease_is_taken_over_with_one_write(app: None, caplog: pytest.LogCaptureFixture) -> None:
    change_record(Store(), "demo", 1, started)
    lease("crashed/notify#each", int(time.time()) - STALE_AFTER_SECONDS - 1)
    with handling("event-3"), recording_calls() as calls:
        assert publish() == ["build:started"]
    assert record_writes(calls) == 2  # the lease taken over, then marked
    assert calls.count("events", "PutEvents") == 1
    assert "stale notification leases taken over" in caplog.text
    assert stored().notified == ["build:started"]


def test_a_change_written_outside_a_handler_is_leased_before_it_is_published(app: None) -> None:
    change_record(Store(), "demo", 1, started)  # the CLI, a test: no event identity, no lease
    assert stored().publishing is None
    with handling("event-4"), recording_calls() as calls:
        assert publish() == ["build:started"]
    assert record_writes(calls) == 2
    with handling("event-5"), recording_calls() as calls:
        assert publish() == []
    assert calls.count("events", "PutEvents") == 0


def test_outside_a_handler_the_publisher_holds_its_own_lease(app: None) -> None:
    """No identity: each call gets a fresh owner, and the one publish call still uses one throughout."""
    change_record(Store(), "demo", 1, started)
    assert publish() == ["build:started"]
    assert stored().notified == ["build:started"]
    assert stored().publishing is None
