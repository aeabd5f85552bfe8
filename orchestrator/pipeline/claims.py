"""Claims: a side effect is made once, whatever the number of events that ask for it.

Before a side effect (RegisterTaskDefinition, RunTask, CreateService, UpdateService) the pipeline writes a
claim item with `Store.put_if_absent` under `APP#<app>` / `CLAIM#<scope>#<action>#<target>`. The writer
that creates it makes the call and stores the result in the claim; every later caller gets that result
back without calling AWS. If the call raises, the claim is removed so that Lambda's retry can make it.
A claim left half-done by a crashed invocation blocks others (ClaimPendingError, retried by Lambda)
until it is `STALE_AFTER_SECONDS` old; then one caller takes it over, and the call is repeated with the
same client token where the API has one.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from orchestrator.adapters.store import Item, Store, expires_after
from orchestrator.pipeline import keys

STALE_AFTER_SECONDS = 900  # longer than any handler's timeout
# Transient items expire (the table's TTL): a done claim and the TASK#/DEPLOYMENT# lookups are needed while
# events of their build can still come (EventBridge and Lambda retry for a day at most), not for ever.
# Never on the records themselves (BUILD#, DEPLOYSTATUS, DEPLOYED) or the app's CLAIM#deploy.
TRANSIENT_TTL_SECONDS = 30 * 24 * 3600


class ClaimPendingError(RuntimeError):
    """Another invocation holds this claim and has not stored its result yet; Lambda retries the event."""


def _perform(store: Store, base: Item, perform: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        result = perform()
    except BaseException:
        store.delete(base["primary_id"], base["secondary_id"])
        raise
    store.put({**base, "claim_state": "done", "result": result, **expires_after(TRANSIENT_TTL_SECONDS)})
    return result


def claimed(
    store: Store, app: str, scope: str, action: str, target: str, perform: Callable[[], dict[str, Any]]
) -> tuple[dict[str, Any], bool]:
    """Run `perform` once per (app, scope, action, target). Returns (its result, whether this call made it)."""
    pk, sk = keys.app_pk(app), keys.claim_sk(scope, action, target)
    base: Item = {"primary_id": pk, "secondary_id": sk, "claim_state": "claimed", "claimed_at": int(time.time())}
    if store.put_if_absent(base):
        return _perform(store, base, perform), True
    existing = store.get(pk, sk)
    if existing is None:  # released by a failed attempt in the meantime: try again
        return claimed(store, app, scope, action, target, perform)
    if existing.get("claim_state") == "done":
        result: dict[str, Any] = existing.get("result", {})
        return result, False
    if int(existing.get("claimed_at", 0)) + STALE_AFTER_SECONDS > time.time():
        raise ClaimPendingError(f"{pk} {sk} is being made by another invocation")

    def take_over(item: Item | None) -> Item | None:
        if item is None or item.get("claim_state") == "done" or item.get("claimed_at") != existing.get("claimed_at"):
            return None
        return {**item, "claimed_at": int(time.time())}

    _, taken = store.update(pk, sk, take_over)
    if taken is None:
        raise ClaimPendingError(f"{pk} {sk} was taken over by another invocation")
    return _perform(store, {**base, "claimed_at": taken["claimed_at"]}, perform), True


def client_token(app: str, build_number: int, action: str, target: str) -> str:
    """A stable client token (a UUID, 36 characters) for one side effect of one build: AWS APIs that take
    one (RunTask, CreateService) return the first call's result when a crashed claim is made again."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"orchestrator:{app}:{build_number}:{action}:{target}"))
