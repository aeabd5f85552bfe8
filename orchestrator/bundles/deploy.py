"""Deploy a validated bundle: static assets, functions, the `live` aliases, and the manifest last.

Safety under at-least-once, out-of-order delivery:
- One deploy of an app version at a time: a lease item (`LEASE#<version>`, a conditional write) is held for
  the whole deploy. Under it, every side effect is compared with what AWS reports first (CodeSha256,
  configuration, the object's sha256), so a repeated deploy of the same bundle calls no write API.
- Calls go to the `live` alias of each function. Functions are updated at $LATEST, published as numbered
  versions, and the aliases are moved only after every function is ready, just before the manifest is
  written. So a deploy that fails part way leaves the previous deploy served, and the record says which
  step failed.
- Functions carry an owner tag, and every name is claimed before the first write
  (orchestrator/bundles/ownership.py): a bundle whose names belong to another app version is refused whole.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from boto3.dynamodb.conditions import Attr
from botocore.exceptions import BotoCoreError, ClientError

from orchestrator.adapters.bundle_storage import BundleStorage
from orchestrator.adapters.lambda_functions import FunctionState, LambdaFunctions
from orchestrator.adapters.store import VERSION_ATTR, Item, Store
from orchestrator.bundles import naming
from orchestrator.bundles.ownership import NameCollisionError, claim_names
from orchestrator.bundles.plan import OWNER_TAG, DeployPlan, FunctionSpec, plan_deploy
from orchestrator.bundles.records import (
    APPS_PK,
    BundleLocation,
    DeployedFunction,
    Published,
    VersionRecord,
    VersionState,
    app_index_sk,
    app_pk,
    lease_sk,
    version_sk,
)
from orchestrator.bundles.validation import Bundle
from orchestrator.observability import logger
from orchestrator.settings import get_settings
from orchestrator.stored_text import bounded_text

LEASE_SECONDS = 15 * 60
_BOOKKEEPING = {VERSION_ATTR, "primary_id", "secondary_id"}
Progress = Callable[[str, str], None]


def _no_progress(step: str, message: str) -> None:
    return None


class DeployInProgressError(RuntimeError):
    """Another deploy of this app version holds the lease; the event is retried later."""


class DeployFailedError(RuntimeError):
    def __init__(self, outcome: DeployOutcome) -> None:
        super().__init__(outcome.error or "deploy failed")
        self.outcome = outcome


class ForeignFunctionError(RuntimeError):
    """A function with the bundle's name exists but belongs to someone else."""


class ConfigurationError(RuntimeError):
    pass


@dataclass
class BundleDeps:
    store: Store = field(default_factory=Store)
    storage: BundleStorage = field(default_factory=BundleStorage)
    lambdas: LambdaFunctions = field(default_factory=LambdaFunctions)


@dataclass(frozen=True)
class DeployOutcome:
    status: str  # deployed | unchanged | failed | in progress
    app_id: str
    version: str
    changes: list[str] = field(default_factory=list)
    error: str | None = None
    failed_step: str | None = None
    functions: dict[str, str] = field(default_factory=dict)  # manifest function → Lambda name
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "app_id": self.app_id,
            "version": self.version,
            "changes": self.changes,
            "error": self.error,
            "failed_step": self.failed_step,
            "functions": self.functions,
            "note": self.note,
        }


def _now() -> int:
    return int(time.time())


def _acquire_lease(store: Store, plan: DeployPlan, bundle_sha: str, owner: str) -> bool:
    """Take the version's lease. False when the same bundle is being deployed by someone else
    (nothing to do); DeployInProgressError when a different bundle is."""
    now = _now()
    lease = {
        "primary_id": app_pk(plan.app_id), "secondary_id": lease_sk(plan.version),
        "owner": owner, "bundle_sha256": bundle_sha, "expires": now + LEASE_SECONDS, "since": now,
    }  # fmt: skip
    # Free, ours already, or expired: one conditional put. Otherwise DynamoDB returns who holds it.
    free = Attr("primary_id").not_exists() | Attr("owner").eq(owner) | Attr("expires").lte(now)
    taken, stored = store.try_put(lease, free)
    if taken:
        return True
    holder = stored or {}
    if holder.get("bundle_sha256") == bundle_sha:
        return False
    raise DeployInProgressError(
        f"{plan.app_id} {plan.version} is being deployed by {holder.get('owner')} until {holder.get('expires')}"
    )


def _release_lease(store: Store, plan: DeployPlan, owner: str) -> None:
    store.delete_if(app_pk(plan.app_id), lease_sk(plan.version), Attr("owner").eq(owner))


def _config_matches(state: FunctionState, spec: FunctionSpec, role: str) -> bool:
    return (
        state.handler == spec.handler
        and state.runtime == spec.runtime
        and state.environment == spec.environment
        and state.timeout == spec.timeout
        and state.memory == spec.memory
        and state.role == role
    )


def _ensure_function(deps: BundleDeps, plan: DeployPlan, spec: FunctionSpec, role: str, changes: list[str]) -> str:
    """Bring one function's $LATEST in line with `spec` and return the published version to serve."""
    lambdas = deps.lambdas
    current = lambdas.get(spec.name)
    owner = plan.tags[OWNER_TAG]
    if current is None:
        lambdas.create(
            name=spec.name, role=role, handler=spec.handler, runtime=spec.runtime, code=spec.code,
            environment=spec.environment, timeout=spec.timeout, memory=spec.memory, tags=plan.tags,
        )  # fmt: skip
        changes.append(f"created function {spec.name}")
    else:
        if current.tags.get(OWNER_TAG) != owner:
            raise ForeignFunctionError(
                f"function {spec.name} exists and is not owned by {owner} "
                f"(tag {OWNER_TAG}={current.tags.get(OWNER_TAG)!r}); left untouched"
            )
        if current.code_sha256 != spec.code_sha256:
            lambdas.update_code(spec.name, spec.code)
            changes.append(f"updated code of {spec.name}")
        if not _config_matches(current, spec, role):
            lambdas.update_configuration(
                spec.name, role=role, handler=spec.handler, runtime=spec.runtime, environment=spec.environment,
                timeout=spec.timeout, memory=spec.memory,
            )  # fmt: skip
            changes.append(f"updated configuration of {spec.name}")
    # A function created just now has no alias yet.
    live = lambdas.get(spec.name, naming.LIVE_ALIAS) if current is not None else None
    if live is not None and live.code_sha256 == spec.code_sha256 and _config_matches(live, spec, role):
        return live.version
    version = lambdas.publish_version(spec.name, spec.code_sha256)
    changes.append(f"published {spec.name} version {version}")
    return version


def _write_record(
    store: Store, plan: DeployPlan, change: Callable[[VersionRecord | None], VersionRecord | None]
) -> None:
    def apply(item: Item | None) -> Item | None:
        current = VersionRecord.model_validate(item) if item else None
        updated = change(current)
        if updated is None:
            return None
        new_item = {k: v for k, v in updated.to_item().items() if k not in _BOOKKEEPING}
        if item is not None:
            # Compare without bookkeeping fields so that an unchanged deploy writes nothing.
            same = {k: v for k, v in item.items() if k not in _BOOKKEEPING}
            if {**same, "updated_at": 0} == {**new_item, "updated_at": 0}:
                return None
        return new_item

    store.update(app_pk(plan.app_id), version_sk(plan.version), apply)


def deploy_bundle(
    bundle: Bundle,
    *,
    source: BundleLocation | None = None,
    deps: BundleDeps | None = None,
    progress: Progress = _no_progress,
    owner: str | None = None,
) -> DeployOutcome:
    """Deploy `bundle` (already validated). Raises DeployInProgressError when a different bundle of the same
    app version is being deployed, NameCollisionError (having written nothing) when its names belong to
    another app version, and DeployFailedError (after recording the failure) when a step fails."""
    deps = deps or BundleDeps()
    settings = get_settings()
    owner = owner or f"deploy-{uuid.uuid4()}"
    plan = plan_deploy(bundle, bundle_bucket=deps.storage.bucket)
    names = {spec.function: spec.name for spec in plan.functions}
    location = source.model_copy(update={"sha256": bundle.sha256}) if source else None

    if not _acquire_lease(deps.store, plan, bundle.sha256, owner):
        return DeployOutcome("in progress", plan.app_id, plan.version, functions=names)
    try:
        claim_names(plan, deps.store, deps.lambdas, deps.storage)
    except NameCollisionError:
        _release_lease(deps.store, plan, owner)
        raise
    deps.store.put_if_absent({"primary_id": APPS_PK, "secondary_id": app_index_sk(plan.app_id), "app_id": plan.app_id})
    changes: list[str] = []
    step = "configuration"

    def begin(current: VersionRecord | None) -> VersionRecord | None:
        if (
            current is not None
            and current.state == VersionState.DEPLOYED
            and current.bundle_sha256 == bundle.sha256
            and current.published is not None
            and current.published.bundle_sha256 == bundle.sha256
        ):
            return None  # a repeat of the deployed bundle: the record stays as it is unless something changes
        base = current or VersionRecord(app_id=plan.app_id, version=plan.version, state=VersionState.DEPLOYING)
        return base.model_copy(
            update={
                "state": VersionState.DEPLOYING,
                "step": "started",
                "error": None,
                "bundle": location,
                "bundle_sha256": bundle.sha256,
                "updated_at": _now(),
            }
        )

    try:
        _write_record(deps.store, plan, begin)
        role = settings.function_role_arn
        if not role:
            raise ConfigurationError("no execution role for functions: set ORCHESTRATOR_FUNCTION_ROLE_ARN")

        step = "static"
        for asset in plan.static:
            if deps.storage.put_if_changed(asset.key, asset.data, asset.content_type):
                changes.append(f"uploaded {asset.key}")
            progress("static", asset.key)

        versions: dict[str, str] = {}
        for spec in plan.functions:
            step = f"function {spec.function}"
            progress("function", spec.name)
            versions[spec.function] = _ensure_function(deps, plan, spec, role, changes)

        # Invocation: the stack's policy allows lambda:InvokeFunction on functions tagged
        # orchestrator:managed=bundles (set at creation), so there is no per-function resource policy.
        step = "aliases"
        for spec in plan.functions:
            served = deps.lambdas.alias_version(spec.name, naming.LIVE_ALIAS)
            if served != versions[spec.function]:
                deps.lambdas.point_alias(spec.name, naming.LIVE_ALIAS, versions[spec.function], exists=served is not None)
                changes.append(f"pointed {spec.name}:{naming.LIVE_ALIAS} at version {versions[spec.function]}")
            progress("alias", spec.name)

        step = "manifest"
        if deps.storage.put_json_if_changed(plan.manifest_key, plan.manifest):
            changes.append(f"published {plan.manifest_key}")
        progress("manifest", plan.manifest_key)
    except (ClientError, BotoCoreError, ForeignFunctionError, ConfigurationError) as error:
        message = f"{step}: {_describe(error)}"
        logger.error("bundle deploy failed", extra={"app_id": plan.app_id, "version": plan.version, "step": step})

        def failed(current: VersionRecord | None) -> VersionRecord | None:
            base = current or VersionRecord(app_id=plan.app_id, version=plan.version, state=VersionState.FAILED)
            return base.model_copy(
                update={"state": VersionState.FAILED, "step": step, "error": bounded_text(message), "updated_at": _now()}
            )

        _write_record(deps.store, plan, failed)
        _release_lease(deps.store, plan, owner)
        outcome = DeployOutcome("failed", plan.app_id, plan.version, changes, message, step, names)
        raise DeployFailedError(outcome) from error

    deployed = {
        spec.function: DeployedFunction(
            name=spec.name, path=spec.path, handler=spec.handler, runtime=spec.runtime,
            code_sha256=spec.code_sha256, lambda_version=versions[spec.function],
        )
        for spec in plan.functions
    }  # fmt: skip

    def done(current: VersionRecord | None) -> VersionRecord | None:
        base = current or VersionRecord(app_id=plan.app_id, version=plan.version, state=VersionState.DEPLOYED)
        published = base.published
        if (
            published is None
            or published.bundle_sha256 != bundle.sha256
            or published.functions != deployed
            or (location is not None and published.bundle != location)
        ):
            published = Published(
                bundle=location or (published.bundle if published else None),
                bundle_sha256=bundle.sha256,
                functions=deployed,
                manifest_key=plan.manifest_key,
                static_files=len(plan.static),
                published_at=_now(),
            )
        return base.model_copy(
            update={
                "state": VersionState.DEPLOYED,
                "step": "published",
                "error": None,
                "bundle": location or base.bundle,
                "bundle_sha256": bundle.sha256,
                "functions": deployed,
                "published": published,
                "updated_at": _now(),
            }
        )

    _write_record(deps.store, plan, done)
    _release_lease(deps.store, plan, owner)
    return DeployOutcome("deployed" if changes else "unchanged", plan.app_id, plan.version, changes, functions=names)


def _describe(error: Exception) -> str:
    if isinstance(error, ClientError):
        info = error.response.get("Error", {})
        return f"{error.operation_name} failed: {info.get('Code')}: {info.get('Message')}"
    return str(error)
