"""Read and change a build record with forward-only, order-independent merges."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from orchestrator.adapters.expressions import ForwardWrite
from orchestrator.adapters.store import Item, Store
from orchestrator.notifications.leases import LEASES_ATTR, leased_if_changed, without_published
from orchestrator.pipeline import keys
from orchestrator.pipeline.records import BuildRecord, Phase, ServiceDeployment, TaskOutcome, merge_phase

Change = Callable[[BuildRecord], BuildRecord]


def then(pending: Change | None, change: Change) -> Change:
    """`pending` (a change decided earlier and not written yet), then `change`: one write for both. The
    changes are forward-only merges, so applying `pending` to a record that already shows it changes nothing:
    a caller passes the record with `pending` applied as `current`, and a retry from a fresh read applies it
    for real."""
    if pending is None:
        return change
    return lambda record: change(pending(record))


def write_pending(
    store: Store, app: str, build_number: int, pending: Change | None, record: BuildRecord | None
) -> BuildRecord | None:
    """Write a pending change on a path that writes nothing else; the record as stored (or `record`)."""
    if pending is None:
        return record
    return change_record(store, app, build_number, pending, current=record)[1]


def load_record(store: Store, app: str, build_number: int) -> BuildRecord | None:
    item = store.get(keys.app_pk(app), keys.build_sk(build_number))
    return BuildRecord.model_validate(item) if item else None


def change_record(
    store: Store,
    app: str,
    build_number: int,
    change: Callable[[BuildRecord], BuildRecord],
    *,
    current: BuildRecord | None = None,
) -> tuple[BuildRecord | None, BuildRecord]:
    """Apply `change` with an optimistic, versioned write. Returns (before, after); after is the stored record.

    `current`: the record as this invocation last loaded or stored it. The write starts from it instead of
    a read and stays conditional on its version: if anyone wrote the record since, it is read and retried.
    A handler's write that changes the record also leases its unpublished state changes (notifications/leases.py)."""
    known = current.to_item() if current is not None else None
    before, after = store.update(
        keys.app_pk(app), keys.build_sk(build_number), _applying(app, build_number, change), current=known
    )
    return (BuildRecord.model_validate(before) if before else None), BuildRecord.model_validate(after or before)


def _applying(
    app: str, build_number: int, change: Callable[[BuildRecord], BuildRecord]
) -> Callable[[Item | None], Item | None]:
    """`change` over the stored item, leasing the unpublished state changes of a record it changes."""

    def apply(item: Item | None) -> Item | None:
        record = BuildRecord.model_validate(item) if item else None
        changed = change(record or BuildRecord(app=app, build_number=build_number))
        return leased_if_changed(record, changed).to_item()

    return apply


def change_record_quietly(
    store: Store, app: str, build_number: int, write: ForwardWrite, change: Callable[[BuildRecord], BuildRecord]
) -> tuple[BuildRecord | None, BuildRecord] | None:
    """`write` alone, returning nothing, when its condition proves that `change` moves nothing else of the
    record (no record phase, nothing to publish): None then, with no record read or returned. Otherwise
    `change` is applied from the item DynamoDB returned with the failed condition, as `change_record` would
    from a read; (before, after)."""
    pk, sk = keys.app_pk(app), keys.build_sk(build_number)
    merged = store.update_quietly(pk, sk, write, _applying(app, build_number, change))
    if merged is None:
        return None
    before, after = merged
    return (BuildRecord.model_validate(before) if before else None), BuildRecord.model_validate(after or before)


def change_record_forward(
    store: Store,
    app: str,
    build_number: int,
    write: ForwardWrite,
    change: Callable[[BuildRecord], BuildRecord],
) -> tuple[BuildRecord | None, BuildRecord]:
    """`change_record` as one forward-only UpdateItem where it can be (Store.update_forward): `write` is the
    part of `change` that DynamoDB's expressions can apply and check; what `change` derives from the rest is
    written after, only when it moved (the leases only along with another change)."""
    before, after = store.update_forward(
        keys.app_pk(app), keys.build_sk(build_number), write, _applying(app, build_number, change),
        riders=frozenset({LEASES_ATTR}),
    )  # fmt: skip
    return (BuildRecord.model_validate(before) if before else None), BuildRecord.model_validate(after or before)


def with_phase(record: BuildRecord, name: str, phase: Phase, *, error: str | None = None) -> BuildRecord:
    merged = merge_phase(getattr(record, name), phase)
    if merged is not None and error is not None:
        merged = merged.model_copy(update={"error": error})  # derived from the whole record: deterministic
    return record.model_copy(update={name: merged})


def with_task(record: BuildRecord, step: str, outcome: TaskOutcome) -> BuildRecord:
    tasks = dict(record.tasks or {})
    tasks.setdefault(step, outcome)  # a task stops once: the first report is the report
    return record.model_copy(update={"tasks": tasks})


def with_services(record: BuildRecord, services: Mapping[str, ServiceDeployment]) -> BuildRecord:
    merged = dict(record.services or {})
    for process, service in services.items():
        merged[process] = merged[process].merge(service) if process in merged else service
    return record.model_copy(update={"services": merged})


def with_superseded(record: BuildRecord, newer: int) -> BuildRecord:
    return record.model_copy(update={"superseded_by": max(record.superseded_by or 0, newer)})


def with_notified(record: BuildRecord, keys_published: list[str]) -> BuildRecord:
    notified = record.model_copy(update={"notified": sorted(set(record.notified or []) | set(keys_published))})
    return without_published(notified, keys_published)
