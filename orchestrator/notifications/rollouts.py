"""Publish a rollout's state changes (a release without a build: config change, resize, rollback) once each.

Derived from the stored release, not from the event at hand: `started` once it is recorded, then
`succeeded` (deployed) or `failed`. Each is published under a claim (`CLAIM#RELEASE#<version>#notify#<state>`),
so a duplicate or reordered delivery publishes nothing twice (as publish.py does for builds).
"""

from __future__ import annotations

from orchestrator.notifications.models import DETAIL_TYPES, SOURCE, Stage, StateChangeDetail
from orchestrator.notifications.publish import NotifyDeps
from orchestrator.pipeline.claims import claimed
from orchestrator.pipeline.releases import Release, get_release

_ENDED = {"deployed": "succeeded", "failed": "failed"}


def rollout_state_changes(release: Release) -> list[StateChangeDetail]:
    """Pure: what the release shows (a deploy's release is published from its build record instead)."""
    if release.kind == "deploy":
        return []

    def detail(state: str, error: str | None = None) -> StateChangeDetail:
        return StateChangeDetail(
            app=release.app, build_number=release.build_number, stage=Stage.ROLLOUT, state=state,
            error=error, at=release.at, release=release.version, kind=release.kind,
            description=release.description,
        )  # fmt: skip

    changes = [detail("started")]
    if release.status in _ENDED:
        changes.append(detail(_ENDED[release.status], release.error if release.status == "failed" else None))
    return changes


def publish_rollout_changes(
    deps: NotifyDeps, app: str, version: int, release: Release | None = None
) -> list[StateChangeDetail]:
    """`release`: as the caller just stored it (else it is read)."""
    release = release or get_release(deps.store, app, version)
    if release is None:
        return []
    published = []
    for change in rollout_state_changes(release):

        def publish(change: StateChangeDetail = change) -> dict[str, object]:
            detail = change.model_dump(mode="json", exclude_none=True)
            return {"event_id": deps.bus.publish(SOURCE, DETAIL_TYPES[Stage.ROLLOUT], detail, [])}

        _, made = claimed(deps.store, app, f"RELEASE#{version}", "notify", change.state, publish)
        if made:
            published.append(change)
    return published
