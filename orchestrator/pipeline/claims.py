"""Claims: a side effect is made once, whatever the number of events (and retries) that ask for it.

The protocol (README, "Reliability"), for every RegisterTaskDefinition, RunTask, CreateService and
UpdateService:

1. **Claim.** A conditional put of `APP#<app>` / `CLAIM#<scope>#<action>#<target>` (state `claimed`,
   `claimed_at`, `owner` = the event id plus the step, orchestrator/invocation.py).
2. **Perform** the call. Where the API has a client token it carries one (`client_token`); where it has not
   (RegisterTaskDefinition), a resumed claim first looks for what an earlier attempt made (`resume`).
3. **Record.** The result is written to the claim (state `done`), on the condition that this owner still
   holds it. Every later caller gets that result back without calling AWS.
4. **Take over.** A claim whose owner is this invocation's own identity (a retry after a lost response, a
   crash, or a failed record step) is resumed at once. A claim held by another identity blocks
   (ClaimPendingError: Lambda retries the event) until it is `STALE_AFTER_SECONDS` old; then one caller
   takes it over with a conditional write on the state, time and owner it saw, and resumes it.

A final refusal of the call (RequestRefusedError) releases the claim: the step is recorded as failed, and
a later, corrected attempt may claim it again. Any other error keeps the claim for its owner's retry.

A cheaper form of the same protocol (issue 17): `claimed_step` claims all the side effects of one step with
one item (2 writes per step, not per side effect). The notifications lease their state changes in the build
record itself (orchestrator/notifications/leases.py).
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.conditions import Attr, ConditionBase

from orchestrator.adapters.aws_errors import RequestRefusedError
from orchestrator.adapters.store import Item, Store, expires_after
from orchestrator.invocation import owner_for
from orchestrator.observability import logger
from orchestrator.pipeline import keys

STALE_AFTER_SECONDS = 900  # longer than any handler's timeout
# Transient items expire (the table's TTL): a done claim and the TASK#/DEPLOYMENT# lookups are needed while
# events of their build can still come (EventBridge and Lambda retry for a day at most), not for ever.
# Never on the records themselves (BUILD#, DEPLOYSTATUS, DEPLOYED) or the app's CLAIM#deploy.
TRANSIENT_TTL_SECONDS = 30 * 24 * 3600
CLAIMED, DONE = "claimed", "done"
FRESH, RESUMED = "fresh", "resumed"  # how _acquire got the claim

Perform = Callable[[], dict[str, Any]]
Resume = Callable[[], "dict[str, Any] | None"]


class ClaimPendingError(RuntimeError):
    """Another invocation holds this claim and has not stored its result yet; Lambda retries the event."""


def _held_by(owner: str) -> ConditionBase:
    return Attr("owner").eq(owner)


def _as_seen(item: Item) -> ConditionBase:
    """The claim is still exactly as it was read (same state, time and owner): the take-over condition."""
    owner = item.get("owner")
    same_owner = Attr("owner").eq(owner) if owner is not None else Attr("owner").not_exists()
    return Attr("claim_state").eq(CLAIMED) & Attr("claimed_at").eq(item.get("claimed_at", 0)) & same_owner


def _perform(store: Store, pk: str, sk: str, owner: str, perform: Perform, resume: Resume | None) -> dict[str, Any]:
    """Steps 2 and 3, for the owner that holds the claim. `resume` is given when an earlier attempt may
    have made the side effect already."""
    try:
        found = resume() if resume is not None else None
        result = found if found is not None else perform()
    except RequestRefusedError:
        _release(store, pk, sk, owner)
        raise
    _record_done(store, pk, sk, owner, {"result": result})
    return result


def _acquire(store: Store, pk: str, sk: str, owner: str) -> tuple[str, Item | None]:
    """Step 1 and 4: (FRESH, None) when this call wrote the claim, (RESUMED, item) when it holds an earlier
    claim (its own, or a stale one it took over), (DONE, item) when the claim already has its result."""
    for _ in range(3):
        claim: Item = {
            "primary_id": pk, "secondary_id": sk, "claim_state": CLAIMED, "claimed_at": int(time.time()), "owner": owner,
        }  # fmt: skip
        if store.put_if_absent(claim):
            return FRESH, None
        existing = store.get(pk, sk)
        if existing is None:  # released by a refused attempt in the meantime: claim it again
            continue
        if existing.get("claim_state") == DONE:
            return DONE, existing
        if existing.get("owner") == owner:  # our own claim: a lost response, a crash, a failed record step
            return RESUMED, existing
        if int(existing.get("claimed_at", 0)) + STALE_AFTER_SECONDS > time.time():
            raise ClaimPendingError(f"{pk} {sk} is being made by another invocation")
        taken = {"claimed_at": int(time.time()), "owner": owner}
        if store.set_fields_if(pk, sk, taken, _as_seen(existing)):
            logger.warning("stale claim taken over", extra={"claim": f"{pk} {sk}", "from": existing.get("owner")})
            return RESUMED, existing
        # Someone else changed it first, or our own take-over write went through and its response was lost:
        # look again.
    raise ClaimPendingError(f"{pk} {sk} kept changing; retried later")


def claimed(
    store: Store,
    app: str,
    scope: str,
    action: str,
    target: str,
    perform: Perform,
    *,
    resume: Resume | None = None,
) -> tuple[dict[str, Any], bool]:
    """Run `perform` once per (app, scope, action, target). Returns (its result, whether this call made it).
    `resume`: for an API without a client token, finds the result of an earlier attempt (None if none)."""
    pk, sk = keys.app_pk(app), keys.claim_sk(scope, action, target)
    owner = owner_for(f"{action}#{target}")
    state, existing = _acquire(store, pk, sk, owner)
    if state == DONE:
        assert existing is not None
        result: dict[str, Any] = existing.get("result", {})
        return result, False
    return _perform(store, pk, sk, owner, perform, resume if state == RESUMED else None), True


@dataclass(frozen=True)
class SideEffect:
    """One side effect of a step. `perform` makes it and returns its result; `resume`, for an API without a
    client token, finds what an earlier attempt made (None if nothing)."""

    target: str
    perform: Perform
    resume: Resume | None = None


def claimed_step(
    store: Store, app: str, scope: str, step: str, effects: Sequence[SideEffect]
) -> tuple[dict[str, dict[str, Any]], bool]:
    """Make all of `effects` once per (app, scope, step) under ONE claim, `CLAIM#<scope>#<step>#<target+target...>`: one
    conditional write before and one after (every result at once), whatever their number. Returns (target →
    result, whether this call made them).

    The same protocol as `claimed`, for the whole step: a resumed claim (its owner's retry, or a stale one
    taken over) remakes each effect, so each must be safe to make again: a client token (RunTask,
    CreateService), a `resume` that finds it (RegisterTaskDefinition by its token tag), or a call whose
    repetition changes nothing (UpdateService to the same revision and count). A final refusal of any
    effect releases the claim; effects made before it in the step are then made again only by a new
    attempt of the same step (with the same tokens)."""
    if not effects:
        return {}, False
    # The targets name the claim: a step asked for another set of effects in the same scope is another claim.
    targets = "+".join(sorted(effect.target for effect in effects))
    if len(targets) > 200:  # a sort key has at most 1 KB: many targets are named by their digest
        targets = hashlib.sha256(targets.encode()).hexdigest()[:32]
    pk, sk = keys.app_pk(app), keys.claim_sk(scope, step, targets)
    owner = owner_for(f"{step}#{targets}")
    state, existing = _acquire(store, pk, sk, owner)
    if state == DONE:
        assert existing is not None
        stored: dict[str, dict[str, Any]] = existing.get("results", {})
        return stored, False
    results: dict[str, dict[str, Any]] = {}
    try:
        for effect in effects:
            found = effect.resume() if state == RESUMED and effect.resume is not None else None
            results[effect.target] = found if found is not None else effect.perform()
    except RequestRefusedError:
        _release(store, pk, sk, owner)
        raise
    _record_done(store, pk, sk, owner, {"results": results})
    return results, True


def _release(store: Store, pk: str, sk: str, owner: str) -> None:
    try:
        store.delete_if(pk, sk, _held_by(owner))
    except Exception:  # the refusal is what matters; the claim stays ours and is resumed on a retry
        logger.exception("could not release a refused claim", extra={"claim": f"{pk} {sk}"})


def _record_done(store: Store, pk: str, sk: str, owner: str, fields: Item) -> None:
    done = {"claim_state": DONE, **fields, **expires_after(TRANSIENT_TTL_SECONDS)}
    if not store.set_fields_if(pk, sk, done, _held_by(owner)):
        # Taken over while this call ran (it outlived STALE_AFTER_SECONDS): the new owner repeats the call
        # with the same client token, or finds what this one made.
        logger.warning("claim taken over while its side effect was made", extra={"claim": f"{pk} {sk}"})


def client_token(app: str, build_number: int, action: str, target: str) -> str:
    """A stable client token (a UUID, 36 characters) for one side effect of one build: AWS APIs that take
    one (RunTask, CreateService) return the first call's result when a crashed claim is made again."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"orchestrator:{app}:{build_number}:{action}:{target}"))
