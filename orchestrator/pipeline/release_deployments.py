"""The ECS deployments of a release that is not a build's deploy (a rollback, a config change, a resize).

Each UpdateService that puts a release's revision on a service starts an ECS deployment; its id is mapped to
the release (`DEPLOYMENT#<id>` with `release`), so the ECS handler ends the release as it ends a deploy:
all COMPLETED → deployed; FAILED or a circuit-breaker rollback → failed, with the service and reason. A late
or repeated event never reopens a finished service, and DEPLOYSTATUS says how the release ended.
"""

from __future__ import annotations

import time

from boto3.dynamodb.conditions import Attr

from orchestrator.adapters.store import Item, Store
from orchestrator.pipeline import keys
from orchestrator.pipeline.apps import AppRef
from orchestrator.pipeline.deployment_lookups import DeploymentReport, write_lookup
from orchestrator.pipeline.releases import (
    Release,
    ReleaseService,
    get_release,
    release_of_item,
    release_sk,
    set_status,
)


def track_release_deployments(
    store: Store, app: str, version: int, services: dict[str, ReleaseService]
) -> Release | None:
    """Map each deployment to the release, and name the services on it (an event that came first keeps its
    state; an end ECS reported before its lookup was written is applied here). Safe to repeat. Returns the
    release as this call stored it, when that was its last write (else None: read it)."""
    parked: list[tuple[Item, DeploymentReport]] = []
    for process, service in services.items():
        if service.deployment_id:
            lookup: Item = {"app": app, "release": version, "process": process, "service": service.service}
            report = write_lookup(store, service.deployment_id, lookup)
            if report is not None:
                parked.append((lookup, report))

    def remember(item: Item | None) -> Item | None:
        if item is None:
            return None
        known = dict(item.get("services") or {})
        merged = {p: {**s.model_dump(mode="json"), **known.get(p, {})} for p, s in services.items()}
        return {**item, "services": {**known, **merged}}

    before, after = store.update(keys.app_pk(app), release_sk(version), remember)
    stored = after or before
    if not any(s.deployment_id for s in services.values()):
        set_status(store, app, version, "deployed")  # nothing to wait for
        stored = None
    for lookup, report in parked:
        record_release_deployment(store, lookup, report.state, report.reason)
        stored = None
    return release_of_item(stored) if stored else None


def record_release_deployment(store: Store, lookup: Item, state: str, reason: str | None) -> Release | None:
    """An ECS deployment event of a release: the service's state on it; when every service has ended, the
    release's status and DEPLOYSTATUS. Returns the release when this event ended it."""
    app, version, process = str(lookup["app"]), int(lookup["release"]), str(lookup["process"])

    def change(item: Item | None) -> Item | None:
        if item is None:
            return None
        services = dict(item.get("services") or {})
        entry = dict(services.get(process) or {"service": lookup.get("service", "")})
        if entry.get("state") in ("COMPLETED", "FAILED"):
            return None  # a late or repeated event never reopens a finished service
        services[process] = {**entry, "state": state, "reason": reason}
        return {**item, "services": services}

    store.update(keys.app_pk(app), release_sk(version), change)
    release = get_release(store, app, version)
    if release is None or release.status != "deploying":
        return None
    states = [s.state for s in release.services.values()]
    if "FAILED" in states:
        failed = [f"{s.service}: {s.reason or 'failed'}" for s in release.services.values() if s.state == "FAILED"]
        set_status(store, app, version, "failed", "; ".join(failed))
        _write_status(store, app, release, failed=True)
    elif states and all(s == "COMPLETED" for s in states):
        set_status(store, app, version, "deployed")
        _write_status(store, app, release, failed=False)
    else:
        return None
    return get_release(store, app, version)


def _write_status(store: Store, app: str, release: Release, *, failed: bool) -> None:
    """DEPLOYSTATUS (AppPack's `value` map) says what the release left running, where one exists."""
    pk, sk = AppRef(app).deploystatus_key
    build = store.get(keys.app_pk(app), keys.build_sk(release.build_number)) or {}
    fields = {
        "value.phase": "deploy" if failed else "complete",
        "value.failed": failed,
        "value.build_number": release.build_number,
        "value.build_id": build.get("build_arn") or "",
        "value.commit": build.get("commit") or "",
        "value.last_update": int(time.time()),
    }
    store.set_fields_if(pk, sk, fields, Attr("value").exists())
