"""List, delete and prune deployed app versions."""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from orchestrator.bundles import naming
from orchestrator.bundles.deploy import BundleDeps, DeployInProgressError
from orchestrator.bundles.ownership import release_names
from orchestrator.bundles.plan import OWNER_TAG
from orchestrator.bundles.records import (
    APPS_PK,
    VERSION_PREFIX,
    VersionRecord,
    VersionState,
    app_pk,
    lease_sk,
    version_sk,
)


class UnknownVersionError(LookupError):
    pass


def list_versions(deps: BundleDeps | None = None, app_id: str | None = None) -> list[VersionRecord]:
    """Every recorded app version (Query on the apps index, then per app; never a Scan)."""
    deps = deps or BundleDeps()
    apps = [app_id] if app_id else [str(item["app_id"]) for item in deps.store.query(APPS_PK, "APP#")]
    records: list[VersionRecord] = []
    for app in apps:
        records.extend(VersionRecord.model_validate(i) for i in deps.store.query(app_pk(app), VERSION_PREFIX))
    return records


@dataclass
class DeleteOutcome:
    app_id: str
    version: str
    removed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"app_id": self.app_id, "version": self.version, "removed": self.removed, "skipped": self.skipped}


def delete_version(app_id: str, version: str, deps: BundleDeps | None = None) -> DeleteOutcome:
    """Unpublish first (the manifest), then remove the functions this version owns and its static assets.
    The record stays, with state `deleted`, so a late upload event of the old bundle stays superseded."""
    deps = deps or BundleDeps()
    item = deps.store.get(app_pk(app_id), version_sk(version))
    if item is None:
        raise UnknownVersionError(f"no bundle app version {app_id} {version}")
    record = VersionRecord.model_validate(item)
    owner = f"delete-{uuid.uuid4()}"
    now = int(time.time())

    def take(lease: dict[str, Any] | None) -> dict[str, Any] | None:
        if lease and lease.get("owner") != owner and int(lease.get("expires", 0)) > now:
            raise DeployInProgressError(f"{app_id} {version} is being deployed by {lease.get('owner')}")
        return {"owner": owner, "expires": now + 900, "since": now}

    deps.store.update(app_pk(app_id), lease_sk(version), take)
    outcome = DeleteOutcome(app_id, version)
    try:
        key = naming.manifest_key(app_id, version)
        if deps.storage.stored_sha256(key) is not None:
            deps.storage.delete(key)
            outcome.removed.append(f"s3://{deps.storage.bucket}/{key}")
        names = {f.name for f in record.functions.values()}
        if record.published:
            names |= {f.name for f in record.published.functions.values()}
        for name in sorted(names):
            state = deps.lambdas.get(name)
            if state is None:
                continue
            if state.tags.get(OWNER_TAG) != f"{app_id}/{version}":
                outcome.skipped.append(f"function {name} (not owned by {app_id}/{version})")
                continue
            deps.lambdas.delete(name)
            outcome.removed.append(f"function {name}")
        count = deps.storage.delete_prefix(naming.app_prefix(app_id, version))
        if count:
            outcome.removed.append(f"{count} static files under {naming.app_prefix(app_id, version)}")

        def mark(current: dict[str, Any] | None) -> dict[str, Any] | None:
            base = VersionRecord.model_validate(current) if current else record
            return base.model_copy(
                update={
                    "state": VersionState.DELETED,
                    "step": "deleted",
                    "error": None,
                    "functions": {},
                    "published": None,
                    "updated_at": int(time.time()),
                }
            ).to_item()

        deps.store.update(app_pk(app_id), version_sk(version), mark)
        # Only now may another app version take these names.
        release_names(app_id, version, deps.store)
    finally:
        deps.store.delete(app_pk(app_id), lease_sk(version))
    return outcome


def _version_order(version: str) -> tuple[tuple[int, int | str], ...]:
    """Natural order: 1.10 after 1.9 (numbers compare as numbers)."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"[.\-_]", version))


def _newest_first(record: VersionRecord) -> tuple[int, tuple[tuple[int, int | str], ...]]:
    published = record.published.published_at if record.published else 0
    return (published, _version_order(record.version))


def prune_plan(records: list[VersionRecord], keep: int) -> list[VersionRecord]:
    """Per app, the versions to delete so that the `keep` most recently published ones remain.
    Versions that were never published (failed first deploys) count as oldest."""
    doomed: list[VersionRecord] = []
    by_app: dict[str, list[VersionRecord]] = {}
    for record in records:
        if record.state != VersionState.DELETED:
            by_app.setdefault(record.app_id, []).append(record)
    for versions in by_app.values():
        versions.sort(key=_newest_first, reverse=True)
        doomed.extend(versions[keep:])
    return doomed


def prune(
    keep: int, deps: BundleDeps | None = None, app_id: str | None = None, *, dry_run: bool = False
) -> list[DeleteOutcome]:
    deps = deps or BundleDeps()
    doomed = prune_plan(list_versions(deps, app_id), keep)
    if dry_run:
        return [DeleteOutcome(r.app_id, r.version) for r in doomed]
    return [delete_version(r.app_id, r.version, deps) for r in doomed]
