"""An upload to the bundle bucket deploys the bundle (S3 Object Created, via EventBridge).

Events arrive at least once and in any order. The upload record of each key keeps the newest S3
`sequencer` seen: an event older than it is superseded and changes nothing, and an exact repeat of a
finished upload is a no-op. The object is read at the event's own version id, so what is deployed is what
that event announced. The deploy itself is idempotent (see orchestrator/bundles/deploy.py).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from orchestrator.adapters.bundle_storage import ObjectTooLargeError
from orchestrator.adapters.store import Item
from orchestrator.bundles.deploy import BundleDeps, DeployFailedError, deploy_bundle
from orchestrator.bundles.naming import BUNDLE_PREFIX, bundle_key
from orchestrator.bundles.ownership import NameCollisionError, collision_message, find_collisions
from orchestrator.bundles.plan import plan_deploy
from orchestrator.bundles.records import (
    UPLOADS_PK,
    BundleLocation,
    UploadState,
    app_pk,
    is_older,
    upload_sk,
    version_sk,
)
from orchestrator.bundles.validation import MAX_BUNDLE_BYTES, ValidationReport, validate_bundle
from orchestrator.observability import logger, metrics
from orchestrator.stored_text import bounded_messages

FINISHED = {UploadState.INVALID.value, UploadState.DEPLOYED.value, UploadState.GONE.value}


@dataclass(frozen=True)
class UploadedObject:
    bucket: str
    key: str
    version_id: str | None = None
    sequencer: str | None = None
    event_id: str = ""


@dataclass(frozen=True)
class UploadOutcome:
    status: str  # ignored | superseded | duplicate | gone | invalid | deployed | unchanged | in progress | failed
    key: str
    app_id: str | None = None
    version: str | None = None
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "key": self.key, "app_id": self.app_id, "version": self.version,
                "errors": self.errors}  # fmt: skip


def _claim_upload(deps: BundleDeps, upload: UploadedObject) -> str | None:
    """Record this event on the key's upload record. Returns why to stop (superseded or duplicate), or None."""
    verdict: dict[str, str] = {}

    def change(item: Item | None) -> Item | None:
        if item is not None:
            if is_older(upload.sequencer, item.get("sequencer")):
                verdict["stop"] = "superseded"
                return None
            same_object = item.get("sequencer") == upload.sequencer and item.get("version_id") == upload.version_id
            if same_object and item.get("state") in FINISHED:
                verdict["stop"] = "duplicate"
                return None
        return {
            **(item or {}),
            "bucket": upload.bucket,
            "key": upload.key,
            "version_id": upload.version_id,
            "sequencer": upload.sequencer or (item or {}).get("sequencer"),
            "state": UploadState.RECEIVED.value,
            "event_id": upload.event_id,
            "errors": [],
            "updated_at": int(time.time()),
        }

    deps.store.update(UPLOADS_PK, upload_sk(upload.key), change)
    return verdict.get("stop")


def _finish_upload(deps: BundleDeps, upload: UploadedObject, state: UploadState, **fields: Any) -> None:
    def change(item: Item | None) -> Item | None:
        if item is None or item.get("sequencer") != upload.sequencer or item.get("version_id") != upload.version_id:
            return None  # a newer upload of this key took over the record
        bounded = {**fields, "errors": bounded_messages(fields["errors"])} if "errors" in fields else fields
        return {**item, **bounded, "state": state.value, "updated_at": int(time.time())}

    deps.store.update(UPLOADS_PK, upload_sk(upload.key), change)


def _record_rejection(deps: BundleDeps, report: ValidationReport, upload: UploadedObject) -> None:
    """When the bad bundle names an app version we know, its record shows the rejection too (state unchanged)."""
    if not report.app_id or not report.version:
        return
    rejection = {"key": upload.key, "version_id": upload.version_id,
                 "errors": bounded_messages(str(p) for p in report.problems)}  # fmt: skip

    def change(item: Item | None) -> Item | None:
        if item is None:
            return None
        return {**item, "last_rejected_upload": rejection}

    deps.store.update(app_pk(report.app_id), version_sk(report.version), change)


def deploy_upload(upload: UploadedObject, deps: BundleDeps | None = None) -> UploadOutcome:
    """The bundle handler's logic: deploy the uploaded bundle, or say why not."""
    deps = deps or BundleDeps()
    if not upload.key.startswith(BUNDLE_PREFIX) or not upload.key.lower().endswith(".zip"):
        logger.debug("not a bundle zip; acknowledged", extra={"key": upload.key})
        return UploadOutcome("ignored", upload.key)
    stop = _claim_upload(deps, upload)
    if stop:
        logger.info(f"bundle upload {stop}; acknowledged", extra={"key": upload.key, "sequencer": upload.sequencer})
        return UploadOutcome(stop, upload.key)

    try:
        data = deps.storage.read(upload.key, upload.version_id, max_bytes=MAX_BUNDLE_BYTES)
    except ObjectTooLargeError as error:
        data, too_large = None, str(error)
    else:
        too_large = ""
    if data is None and not too_large:
        _finish_upload(deps, upload, UploadState.GONE)
        logger.info("bundle object is gone; acknowledged", extra={"key": upload.key})
        return UploadOutcome("gone", upload.key)

    report = validate_bundle(data or b"", upload.key)
    if too_large:
        report.problems = []
        report.add(upload.key, "bundle.size", too_large)
    if report.bundle is None:
        errors = [str(p) for p in report.problems]
        metrics.add_metric(name="BundlesRejected", unit=MetricUnit.Count, value=1)
        logger.error("invalid bundle", extra={"key": upload.key, "errors": errors})
        _finish_upload(deps, upload, UploadState.INVALID, errors=errors, app_id=report.app_id, version=report.version)
        _record_rejection(deps, report, upload)
        return UploadOutcome("invalid", upload.key, report.app_id, report.version, errors)

    bundle = report.bundle
    location = BundleLocation(bucket=upload.bucket, key=upload.key, version_id=upload.version_id)
    try:
        outcome = deploy_bundle(bundle, source=location, deps=deps, owner=upload.event_id or f"event-{uuid.uuid4()}")
    except NameCollisionError as error:
        errors = [f"{upload.key}: [bundle.collision] {error}"]
        metrics.add_metric(name="BundlesRejected", unit=MetricUnit.Count, value=1)
        logger.error("bundle refused: its names belong to another app version", extra={"key": upload.key,
                     "errors": errors})  # fmt: skip
        _finish_upload(deps, upload, UploadState.INVALID, errors=errors, app_id=bundle.app_id, version=bundle.version)
        return UploadOutcome("invalid", upload.key, bundle.app_id, bundle.version, errors)
    except DeployFailedError as error:
        metrics.add_metric(name="BundleDeploysFailed", unit=MetricUnit.Count, value=1)
        _finish_upload(deps, upload, UploadState.FAILED, errors=[str(error)], app_id=bundle.app_id,
                       version=bundle.version)  # fmt: skip
        if error.__cause__ is not None and not isinstance(error.__cause__, RuntimeError):
            raise  # an AWS error: let Lambda retry the event (then the dead-letter queue)
        return UploadOutcome("failed", upload.key, bundle.app_id, bundle.version, [str(error)])
    if outcome.status != "in progress":
        _finish_upload(deps, upload, UploadState.DEPLOYED, app_id=bundle.app_id, version=bundle.version)
    if outcome.status == "deployed":
        metrics.add_metric(name="BundlesDeployed", unit=MetricUnit.Count, value=1)
    return UploadOutcome(outcome.status, upload.key, bundle.app_id, bundle.version)


def upload_bundle(data: bytes, app_id: str, version: str, deps: BundleDeps | None = None) -> BundleLocation:
    """Put a bundle where the event rule sees it (`bundles/<appid>_<version>.zip`)."""
    deps = deps or BundleDeps()
    stored = deps.storage.put(bundle_key(app_id, version), data, "application/zip")
    return BundleLocation(bucket=deps.storage.bucket, key=stored.key, version_id=stored.version_id)


def explain_upload(upload: UploadedObject, deps: BundleDeps | None = None) -> str:
    """What deploy_upload would do with this event. Reads only."""
    deps = deps or BundleDeps()
    where = f"s3://{upload.bucket}/{upload.key}"
    if not upload.key.startswith(BUNDLE_PREFIX) or not upload.key.lower().endswith(".zip"):
        return f"not managed: {where} is not a bundle zip; acknowledged"
    item = deps.store.get(UPLOADS_PK, upload_sk(upload.key))
    if item is not None and is_older(upload.sequencer, item.get("sequencer")):
        return f"superseded by a newer upload of {where}; acknowledged"
    if (
        item is not None
        and item.get("sequencer") == upload.sequencer
        and item.get("version_id") == upload.version_id
        and item.get("state") in FINISHED
    ):
        return f"already handled ({item.get('state')}); acknowledged"
    try:
        data = deps.storage.read(upload.key, upload.version_id, max_bytes=MAX_BUNDLE_BYTES)
    except ObjectTooLargeError as error:
        return f"rejects {where}: {error}"
    if data is None:
        return f"{where} no longer exists; acknowledged"
    report = validate_bundle(data, upload.key)
    if report.bundle is None:
        return f"rejects invalid bundle {where} ({len(report.problems)} errors): {report.problems[0]}"
    bundle = report.bundle
    plan = plan_deploy(bundle, bundle_bucket=deps.storage.bucket)
    conflicts, _ = find_collisions(plan, deps.store, deps.lambdas, deps.storage)
    if conflicts:
        return f"refuses {where}: {collision_message(plan, conflicts)}"
    return (
        f"deploys app {bundle.app_id} version {bundle.version} "
        f"({len(bundle.functions)} functions, {len(bundle.static_files)} static files) from {where}"
    )
