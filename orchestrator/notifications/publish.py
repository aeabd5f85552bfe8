"""Publish a build's state changes exactly once each, whatever the number of deliveries.

Each change found in the stored record (derive.py) and not yet marked `notified` is published by the one
invocation that holds its lease (leases.py). Two calls for all the changes an event causes:

1. **Lease** them: the handler's write that changed the record took the lease on each new change (no call of
   its own). A change this invocation finds free without having leased it (a record written outside a
   handler, a crash after the write, a lease gone stale) is leased by one versioned write of the record. A
   change leased by another invocation less than 15 minutes ago is left to it.
2. **Publish** them in one PutEvents.
3. **Mark** them in the record's `notified` and drop their leases (one versioned write): later deliveries
   find nothing pending and make no call at all.

A crash or a refused entry between 1 and 3 leaves the change unmarked and leased by this event: Lambda's
retry (same event id) publishes it; another event's delivery leaves it to that retry, or takes it over once
the lease is stale. What is not covered: PutEvents has no client token, so a lost *response* of a
successful PutEvents (or a crash between 2 and 3) followed by the retry publishes twice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from orchestrator.adapters.event_bus import EventBus, EventPublishError
from orchestrator.adapters.store import Store
from orchestrator.notifications.derive import unpublished
from orchestrator.notifications.leases import LeaseState, lease_state, notify_owner, with_leases
from orchestrator.notifications.models import DETAIL_TYPES, SOURCE, StateChangeDetail
from orchestrator.observability import logger
from orchestrator.pipeline.record_store import change_record, load_record, with_notified
from orchestrator.pipeline.records import BuildRecord

ROLLOUT_ONLY = {"release", "kind", "description"}  # detail fields of rollouts (rollouts.py), not of builds


@dataclass
class NotifyDeps:
    store: Store = field(default_factory=Store)
    bus: EventBus = field(default_factory=EventBus)


def publish_state_changes(
    deps: NotifyDeps, app: str, build_number: int, record: BuildRecord | None = None
) -> list[StateChangeDetail]:
    """Publish what the build's record shows and no one has published; returns what this call published.
    `record`: the record as this invocation last stored it (saves the read); a change stored since by
    another invocation is published by that one."""
    record = record or load_record(deps.store, app, build_number)
    if record is None:
        return []
    if not unpublished(record):
        return []
    owner, now = notify_owner(), int(time.time())
    record = _leased(deps.store, app, build_number, record, owner, now)
    to_publish = [c for c in unpublished(record) if lease_state(record, c.key, owner, now) is LeaseState.MINE]
    if not to_publish:
        return []
    resources = [record.build_arn] if record.build_arn else []
    ids = deps.bus.publish_all(
        SOURCE,
        [
            (DETAIL_TYPES[change.stage], change.model_dump(mode="json", exclude=ROLLOUT_ONLY), resources)
            for change in to_publish
        ],
    )
    published = [change for change, event_id in zip(to_publish, ids, strict=True) if event_id is not None]
    if published:
        done = [change.key for change in published]
        change_record(deps.store, app, build_number, lambda r: with_notified(r, done), current=record)
    if len(published) < len(to_publish):
        refused = sorted(c.key for c in to_publish if c not in published)
        # Still leased by this event: Lambda's retry publishes them.
        raise EventPublishError(f"EventBridge refused {', '.join(refused)} of {app} build {build_number}; retried")
    return published


def _leased(store: Store, app: str, build_number: int, record: BuildRecord, owner: str, now: int) -> BuildRecord:
    """The record with this owner's leases on every free unpublished change: as it is when the handler's own
    write took them (no call), else after one versioned write that takes them."""
    states = {c.key: lease_state(record, c.key, owner, now) for c in unpublished(record)}
    if LeaseState.FREE in states.values():
        taken_over = [k for k, state in states.items() if state is LeaseState.FREE and k in (record.publishing or {})]
        _, record = change_record(store, app, build_number, lambda r: with_leases(r, owner, now), current=record)
        if taken_over:
            logger.warning("stale notification leases taken over", extra={"app": app, "keys": taken_over})
    held = sorted(k for k, state in states.items() if state is LeaseState.HELD)
    if held:
        logger.info("notifications leased by another invocation; left to it", extra={"app": app, "keys": held})
    return record
