"""`bundle deploy` waits for the deploy of its upload, whoever runs it.

The CLI uploads the bundle, then deploys it. The upload's S3 event can reach the bundle handler first: the
handler then holds the app version's lease and `deploy_bundle` answers "in progress". Rather than report
that and exit, the CLI waits for the lease to be given back and deploys again, which finds the handler's
work done and changes nothing (or, if the handler's deploy failed, does it and reports its own outcome).
Finding nothing to change is reported as "deployed" when what was published before the upload (read by the
caller before uploading) was another bundle: the handler did this deploy, it was not a no-op.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from orchestrator.bundles.deploy import (
    LEASE_SECONDS,
    BundleDeps,
    DeployInProgressError,
    DeployOutcome,
    Progress,
    deploy_bundle,
)
from orchestrator.bundles.records import BundleLocation, VersionRecord, app_pk, version_sk
from orchestrator.bundles.validation import Bundle

POLL_SECONDS = 1.0
BY_HANDLER = "the upload's event reached the bundle handler first; it deployed this bundle"


def published_sha256(deps: BundleDeps, app_id: str, version: str) -> str | None:
    """The sha256 of the bundle an app version serves now, if any."""
    item = deps.store.get(app_pk(app_id), version_sk(version))
    published = VersionRecord.model_validate(item).published if item else None
    return published.bundle_sha256 if published else None


def deploy_and_wait(
    bundle: Bundle,
    *,
    source: BundleLocation | None,
    deps: BundleDeps,
    progress: Progress,
    published_before: str | None,
    timeout: float = LEASE_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> DeployOutcome:
    """Deploy, or wait for the running deploy of this same bundle to end; the final outcome either way.
    Raises what `deploy_bundle` raises, and DeployInProgressError when the wait outlasts `timeout`."""
    deadline = clock() + timeout
    while True:
        outcome = deploy_bundle(bundle, source=source, deps=deps, progress=progress)
        if outcome.status != "in progress":
            if outcome.status == "unchanged" and published_before != bundle.sha256:
                return replace(outcome, status="deployed", note=BY_HANDLER)
            return outcome
        if clock() >= deadline:
            raise DeployInProgressError(
                f"{bundle.app_id} {bundle.version}: the bundle handler is still deploying this upload after "
                f"{int(timeout)}s; follow it with `orchestrator bundle list --app {bundle.app_id}`"
            )
        progress("waiting", "the bundle handler is deploying this upload")
        sleep(POLL_SECONDS)
