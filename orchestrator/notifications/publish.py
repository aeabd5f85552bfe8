"""Publish a build's state changes exactly once each, whatever the number of deliveries.

Each change found in the stored record (derive.py) and not yet marked `notified` is published under a
claim (`CLAIM#BUILD#<N>#notify#<stage>:<state>`, orchestrator/pipeline/claims.py): the conditional write
that wins the claim is the only one that calls PutEvents, and every later delivery gets the claim's
result back. The keys are then marked on the record, so later deliveries skip even the claim read.
A crash between the record write and the publish leaves the change unmarked: the next delivery of any
event of the build publishes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from orchestrator.adapters.event_bus import EventBus
from orchestrator.adapters.store import Store
from orchestrator.notifications.derive import unpublished
from orchestrator.notifications.models import DETAIL_TYPES, SOURCE, StateChangeDetail
from orchestrator.observability import logger
from orchestrator.pipeline import keys
from orchestrator.pipeline.claims import ClaimPendingError, claimed
from orchestrator.pipeline.record_store import change_record, load_record, with_notified
from orchestrator.pipeline.records import BuildRecord


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
    pending = unpublished(record)
    published: list[StateChangeDetail] = []
    done: list[str] = []  # published now or before (the claim's result)
    resources = [record.build_arn] if record.build_arn else []
    for change in pending:

        def publish(change: StateChangeDetail = change) -> dict[str, object]:
            detail = change.model_dump(mode="json", exclude={"release", "kind", "description"})  # rollouts' only
            return {"event_id": deps.bus.publish(SOURCE, DETAIL_TYPES[change.stage], detail, resources)}

        try:
            _, made = claimed(deps.store, app, keys.build_scope(build_number), "notify", change.key, publish)
        except ClaimPendingError:
            # Another invocation holds this publish (a failed attempt, retried by Lambda with the same owner):
            # it publishes it. A redelivered event that only records must not fail for it.
            logger.info("state change being published by another invocation", extra={"change": change.key})
            continue
        done.append(change.key)
        if made:
            published.append(change)
    if done:
        change_record(deps.store, app, build_number, lambda r: with_notified(r, done), current=record)
    return published
