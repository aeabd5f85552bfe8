"""Releases: every change that puts new task definitions on an app's services is one numbered release.

`APP#<app>` / `RELEASE#<10-digit version>` holds what changed, the build, the task definition of each
process type, who asked (as far as the event tells), when, and the rollout's status. A deploy, a config
change, a scaling change and a rollback each record one.

**Once per change.** The change's own claim scope (the build's deploy, the parameter state's scope, the
rollback request's id) is the release's identity: `RELEASESCOPE#<scope>` maps it to its version. Both items
are written in one transaction, each only if absent, so two changes at once get two versions and neither is
lost, and a redelivered event finds its release (among the newest, or through the lookup that refused the
write) and records nothing. One Query and one TransactWriteItems record a release.
"""

from __future__ import annotations

import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from orchestrator.adapters.store import VERSION_ATTR, ConditionalUpdate, Item, Store

RELEASE_PREFIX = "RELEASE#"
SCOPE_PREFIX = "RELEASESCOPE#"
RECENT = 50  # how many of the newest releases a redelivery searches for its own after a crash
MAX_VERSION = 10**10 - 1  # the largest version a 10-digit sort key holds
ReleaseKind = Literal["deploy", "config", "scaling", "rollback"]
ReleaseStatus = Literal["deploying", "deployed", "failed"]


class ReleaseService(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import (cold start)

    service: str
    deployment_id: str = ""
    state: str = "IN_PROGRESS"  # ECS's: IN_PROGRESS, COMPLETED, FAILED
    reason: str | None = None


class Release(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import (cold start)

    app: str
    version: int
    kind: ReleaseKind
    description: str
    build_number: int
    task_definitions: dict[str, str]  # process type → task-definition ARN
    caller: str
    at: int
    scope: str
    status: ReleaseStatus = "deploying"
    rollback_of: int | None = None  # the version a rollback returns to
    services: dict[str, ReleaseService] = Field(default_factory=dict)  # tracked deployments (rollbacks)
    error: str | None = None


def release_sk(version: int) -> str:
    return f"{RELEASE_PREFIX}{version:010d}"


def _pk(app: str) -> str:
    from orchestrator.pipeline import keys

    return keys.app_pk(app)


def release_of_item(item: Item) -> Release:
    """The release a RELEASE# item holds."""
    return Release.model_validate({k: v for k, v in item.items() if k in Release.model_fields})


def list_releases(store: Store, app: str, limit: int | None = None) -> list[Release]:
    return [release_of_item(i) for i in store.query(_pk(app), RELEASE_PREFIX, newest_first=True, limit=limit)]


def get_release(store: Store, app: str, version: int) -> Release | None:
    item = store.get(_pk(app), release_sk(version))
    return release_of_item(item) if item else None


def deploy_release_scope(build_number: int) -> str:
    return f"BUILD#{build_number}#deploy"


def release_of_scope(store: Store, app: str, scope: str) -> Release | None:
    """The release recorded for the change `scope`, or None."""
    return _existing(store, app, scope)


def _existing(store: Store, app: str, scope: str) -> Release | None:
    lookup = store.get(_pk(app), f"{SCOPE_PREFIX}{scope}")
    if lookup is not None:
        return get_release(store, app, int(lookup["version"]))
    return next((r for r in list_releases(store, app, RECENT) if r.scope == scope), None)


def record_release(
    store: Store, app: str, *, scope: str, kind: ReleaseKind, description: str, build_number: int,
    task_definitions: dict[str, str], caller: str, status: ReleaseStatus = "deploying",
    rollback_of: int | None = None, at: int | None = None,
) -> tuple[Release, bool]:  # fmt: skip
    """The release of the change `scope`: recorded now with the next version, or the one recorded before.
    Returns (release, whether this call recorded it)."""
    for _ in range(20):
        # The newest release's version and scope (one Query of one projected item) give the next version, and
        # tell a redelivery whose release is the newest; an older one is found by the transaction's lookup.
        newest = store.query(_pk(app), RELEASE_PREFIX, newest_first=True, limit=1, attributes=("version", "scope"))
        if newest and newest[0].get("scope") == scope:
            found = get_release(store, app, int(newest[0]["version"]))
            if found is not None:
                return found, False
        version = int(newest[0]["version"]) + 1 if newest else 1
        release = Release(
            app=app, version=version, kind=kind, description=description, build_number=build_number,
            task_definitions=dict(sorted(task_definitions.items())), caller=caller, at=at or int(time.time()),
            scope=scope, status=status, rollback_of=rollback_of,
        )  # fmt: skip
        item = {
            "primary_id": _pk(app), "secondary_id": release_sk(version), VERSION_ATTR: 0,  # updated optimistically
            **release.model_dump(mode="json"),
        }  # fmt: skip
        lookup = {"primary_id": _pk(app), "secondary_id": f"{SCOPE_PREFIX}{scope}", "version": version}
        stored = store.put_all_if_absent([item, lookup])
        if stored is None:
            return release, True
        if stored[1] is not None:  # this change's release exists (an older one, or a lost response of ours)
            existing = get_release(store, app, int(stored[1]["version"]))
            if existing is not None:
                return existing, False
        # Another change took this version: look again.
    raise RuntimeError(f"no release version could be taken for {app} after 20 attempts")


def rolled_back_since(store: Store, app: str, version: int) -> bool:
    """Whether a rollback was recorded after release `version` (its deploy's late events must not undo it).
    One Query of the releases after it (usually none; at most RECENT), their kind only."""
    after = (release_sk(version + 1), release_sk(MAX_VERSION))
    later = store.query(_pk(app), between=after, limit=RECENT, attributes=("kind",))
    return any(item.get("kind") == "rollback" for item in later)


def status_update(app: str, version: int, status: ReleaseStatus, error: str | None = None) -> ConditionalUpdate:
    """The write that moves a release from deploying to deployed or failed (a finished one keeps its status)."""
    from boto3.dynamodb.conditions import Attr

    return ConditionalUpdate(
        _pk(app), release_sk(version), {"status": status, "error": error}, Attr("status").eq("deploying")
    )


def set_status(store: Store, app: str, version: int, status: ReleaseStatus, error: str | None = None) -> None:
    """Move a release from deploying to deployed or failed; a finished release keeps its status."""
    store.set_fields_together([status_update(app, version, status, error)])
