"""Every name a bundle writes belongs to one app version; a bundle whose names belong to another is refused
before its first write.

Names are built with `_` between the app id, the version and the function, so different app versions can
share them: `my_app` `1_0` and `my_app_1` `0` share every S3 key (`<appid>_<version>` is the stem of the
static prefix, the manifest key and the upload key), `a.b` and `a-b` share Lambda names, and so do app `a`
version `1` function `x_y` and app `a` version `1_x` function `y`. So each S3 stem and each Lambda name is
claimed in the table (`BUNDLE_NAMES` / `S3#<stem>`, `LAMBDA#<name>`; a conditional write, so two colliding
deploys racing cannot both win), and what already exists is checked too (the function's owner tag, the
published manifest's app id and version), for resources older than the claims or made by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.conditions import Attr

from orchestrator.adapters.bundle_storage import BundleStorage
from orchestrator.adapters.lambda_functions import LambdaFunctions
from orchestrator.adapters.store import Item, Store
from orchestrator.bundles import naming
from orchestrator.bundles.plan import OWNER_TAG, DeployPlan

NAMES_PK = "BUNDLE_NAMES"


class NameCollisionError(ValueError):
    """The bundle would write names that another app version owns."""


@dataclass(frozen=True)
class Claim:
    sk: str
    what: str  # for the error message


def owner_of(app_id: str, version: str) -> str:
    return f"{app_id}/{version}"


def claims(app_id: str, version: str, lambda_names: list[str]) -> list[Claim]:
    stem = naming.s3_stem(app_id, version)
    s3 = Claim(f"S3#{stem}", f"S3 keys {naming.app_prefix(app_id, version)}*, {naming.manifest_key(app_id, version)}")
    return [s3, *(Claim(f"LAMBDA#{name}", f"Lambda function {name}") for name in lambda_names)]


def _plan_claims(plan: DeployPlan) -> list[Claim]:
    return claims(plan.app_id, plan.version, [spec.name for spec in plan.functions])


def find_collisions(
    plan: DeployPlan, store: Store, lambdas: LambdaFunctions, storage: BundleStorage
) -> tuple[list[str], list[Claim]]:
    """(what is owned by another app version, the claims still to make). Reads only."""
    owner = plan.tags[OWNER_TAG]
    conflicts: list[str] = []
    missing: list[Claim] = []
    for claim in _plan_claims(plan):
        item = store.get(NAMES_PK, claim.sk)
        if item is None:
            missing.append(claim)
        elif item.get("owner") != owner:
            conflicts.append(f"{claim.what} belong(s) to {item.get('owner')}")
    conflicts.extend(_existing_conflicts(plan, lambdas, storage, owner))
    return sorted(set(conflicts)), missing


def _existing_conflicts(plan: DeployPlan, lambdas: LambdaFunctions, storage: BundleStorage, owner: str) -> list[str]:
    """What exists already and belongs to another app version: a function's owner tag, the published
    manifest (resources older than the name claims, or made by hand)."""
    conflicts: list[str] = []
    for spec in plan.functions:
        state = lambdas.get(spec.name)
        if state is not None and state.tags.get(OWNER_TAG) != owner:
            conflicts.append(f"Lambda function {spec.name} exists with {OWNER_TAG}={state.tags.get(OWNER_TAG)!r}")
    published = _published_manifest(storage, plan.manifest_key)
    if published is not None and (published.get("app_id"), published.get("version")) != (plan.app_id, plan.version):
        conflicts.append(f"{plan.manifest_key} is the manifest of {published.get('app_id')}/{published.get('version')}")
    return sorted(set(conflicts))


def _published_manifest(storage: BundleStorage, key: str) -> dict[str, Any] | None:
    try:
        document = storage.read_json(key)
    except ValueError:
        return {"app_id": "?", "version": "? (unreadable)"}
    return document if isinstance(document, dict) else None


def collision_message(plan: DeployPlan, conflicts: list[str]) -> str:
    return (
        f"{plan.app_id} {plan.version} collides with another app version (names join app id, version and "
        f"function with '_'): " + "; ".join(conflicts) + ". Nothing was written; change the app id or version"
    )


def claim_names(plan: DeployPlan, store: Store, lambdas: LambdaFunctions, storage: BundleStorage) -> None:
    """Check what exists, then claim every name in one transaction (TransactWriteItems, each put on "absent
    or already ours"): one call, not a read and a write per name. NameCollisionError, with nothing claimed,
    when any belongs to another app version."""
    owner = plan.tags[OWNER_TAG]
    conflicts = _existing_conflicts(plan, lambdas, storage, owner)
    wanted = _plan_claims(plan)
    if not conflicts:
        items: list[Item] = [{"primary_id": NAMES_PK, "secondary_id": c.sk, "owner": owner} for c in wanted]
        refused = store.put_all_if(items, Attr("primary_id").not_exists() | Attr("owner").eq(owner))
        if refused is None:
            return
        for claim, held in zip(wanted, refused, strict=True):
            if held is not None:
                holder = held.get("owner") or (store.get(NAMES_PK, claim.sk) or {}).get("owner")
                conflicts.append(f"{claim.what} belong(s) to {holder}")
    # Refused: the whole report (every name and resource that belongs to another), read on this path only.
    found, _ = find_collisions(plan, store, lambdas, storage)
    raise NameCollisionError(collision_message(plan, sorted(set(conflicts) | set(found))))


def release_names(app_id: str, version: str, store: Store) -> None:
    """Give up every claim a deleted app version holds: its S3 stem, and the Lambda names, which all start
    with `<appid>_<version>_` (dots as `-`), whatever functions its bundles had."""
    owner = owner_of(app_id, version)
    lambda_prefix = "LAMBDA#" + naming.lambda_name(app_id, version, "")
    held = [store.get(NAMES_PK, claims(app_id, version, [])[0].sk), *store.query(NAMES_PK, lambda_prefix)]
    for item in held:
        if item is not None and item.get("owner") == owner:
            store.delete(NAMES_PK, str(item["secondary_id"]))
