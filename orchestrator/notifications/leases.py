"""Who publishes each state change of a build: a lease in the build record itself.

A write that changes the record takes a lease, `publishing.<key> = {owner, at}`, on each state change the new
record shows unpublished and nobody else holds (or someone held for longer than STALE_AFTER_SECONDS): the
claim rides on the write the event makes anyway, so publishing costs PutEvents and the write that moves the
keys to `notified` (publish.py). The owner is the event's identity (orchestrator/invocation.py): a Lambda
retry or an EventBridge duplicate of the same event recognises its own lease. Only writes made inside a
handler take leases; a change the record shows without a lease of this invocation is leased by its own
conditional write before it is published (publish.py).
"""

from __future__ import annotations

import time
from enum import Enum

from orchestrator.invocation import has_identity, owner_for
from orchestrator.notifications.derive import unpublished
from orchestrator.pipeline.claims import STALE_AFTER_SECONDS
from orchestrator.pipeline.records import BuildRecord, PublishLease

LEASES_ATTR = "publishing"  # the record's attribute: written only along with another change (Store riders)


class LeaseState(Enum):
    MINE = "mine"
    FREE = "free"  # no lease, or a stale one
    HELD = "held"  # another invocation's, recent


def notify_owner() -> str:
    return owner_for("notify#each")


def lease_state(record: BuildRecord, key: str, owner: str, now: int) -> LeaseState:
    lease = (record.publishing or {}).get(key)
    if lease is None or lease.at < now - STALE_AFTER_SECONDS:
        return LeaseState.FREE
    return LeaseState.MINE if lease.owner == owner else LeaseState.HELD


def with_leases(record: BuildRecord, owner: str, now: int) -> BuildRecord:
    """`record` with this owner's lease on each unpublished state change that is free."""
    free = [c.key for c in unpublished(record) if lease_state(record, c.key, owner, now) is LeaseState.FREE]
    if not free:
        return record
    leases = {**(record.publishing or {}), **{key: PublishLease(owner=owner, at=now) for key in free}}
    return record.model_copy(update={"publishing": leases})


def leased_if_changed(before: BuildRecord | None, after: BuildRecord) -> BuildRecord:
    """`after`, with this invocation's leases when it changes `before` and a handler makes the write."""
    if not has_identity() or (before is not None and _without_leases(before) == _without_leases(after)):
        return after
    return with_leases(after, notify_owner(), int(time.time()))


def without_published(record: BuildRecord, published: list[str]) -> BuildRecord:
    """The leases left once `published` are in `notified`."""
    leases = {k: v for k, v in (record.publishing or {}).items() if k not in published}
    return record.model_copy(update={"publishing": leases or None})


def _without_leases(record: BuildRecord) -> BuildRecord:
    return record.model_copy(update={"publishing": None})
