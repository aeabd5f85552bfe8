"""A review app follows its status parameter: `created` opens it, `deleting` (or no parameter) tears it down.

The parameters handler calls `apply_review_app_status` on every change of
`/<prefix>/pipelines/<p>/review-apps/pr/<N>`; it reads the parameter's CURRENT value, so duplicated and
reordered events converge on the last write. Teardown is safe to repeat (what is gone is skipped) and touches
only `<pipeline>-pr<N>-*` resources, never the pipeline's other review apps:

1. `CLAIM#deploy` of `APP#<pipeline>:<N>` is set to a tombstone newer than any build, so a build of the PR
   still in flight is superseded and deploys nothing from now on;
2. the ECS services `<pipeline>-pr<N>-<process>` (their autoscaling targets first) are deleted;
3. the web rule and target group are removed (routing/web.py `remove_web_route`), then the scheduled-task rules;
4. the review app's own parameters (`.../pr/<N>/config/*`, `scaling`, `scheduled-tasks`) are deleted;
5. `DEPLOYSTATUS#<N>` and `DEPLOYED` are deleted, `APP#<pipeline>:<N>` / `REVIEW_APP` says `destroyed`;
6. the status parameter is deleted (its Delete event finds nothing left to do).
`created` removes the tombstone (a re-created review app deploys afresh, with its initialize command).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from boto3.dynamodb.conditions import Attr

from orchestrator.adapters.autoscaling import AutoScaling
from orchestrator.adapters.ecs import Ecs
from orchestrator.adapters.load_balancing import LoadBalancing
from orchestrator.adapters.parameters import Parameters
from orchestrator.adapters.scheduling import Scheduling
from orchestrator.adapters.store import Item, Store
from orchestrator.observability import logger
from orchestrator.parameters.names import Target, target_root
from orchestrator.parameters.schedules import is_rule_of, rule_name_prefix
from orchestrator.pipeline import keys
from orchestrator.pipeline.app_registry import ecs_config_from_value
from orchestrator.pipeline.apps import AppRef
from orchestrator.review_apps.status import CREATED, DELETING, DESTROYED, parse_status, status_parameter_name
from orchestrator.routing.web import RoutingDeps, remove_web_route
from orchestrator.settings import get_settings

REVIEW_APP_SK = "REVIEW_APP"  # under APP#<pipeline>:<N>: the orchestrator's record of the review app
DESTROYED_CLAIM = 9_999_999_999  # CLAIM#deploy's build_number while destroyed: every build is older


@dataclass
class ReviewAppDeps:
    store: Store = field(default_factory=Store)
    parameters: Parameters = field(default_factory=Parameters)
    ecs: Ecs = field(default_factory=Ecs)
    scheduling: Scheduling = field(default_factory=Scheduling)
    autoscaling: AutoScaling = field(default_factory=AutoScaling)
    load_balancing: LoadBalancing = field(default_factory=LoadBalancing)


@dataclass(frozen=True)
class ReviewAppOutcome:
    action: str  # "opened", "destroyed", "nothing to do"
    changes: tuple[str, ...] = ()
    message: str = ""


def is_destroy_claim(claim: Item | None) -> bool:
    return bool(claim and claim.get("destroyed"))


def reopen_review_app(store: Store, app: str) -> bool:
    """The review app is `created`: lift a destroy tombstone from its deploy claim. True when one was lifted."""
    lifted = store.delete_if(keys.app_pk(app), keys.DEPLOY_CLAIM_SK, Attr("destroyed").eq(True))
    store.set_fields_if(
        keys.app_pk(app), REVIEW_APP_SK, {"app": app, "status": CREATED, "created_at": int(time.time())},
        Attr("status").not_exists() | Attr("status").ne(CREATED),
    )  # fmt: skip
    return lifted


def _tombstone(store: Store, app: str) -> None:
    def change(item: Item | None) -> Item | None:
        if is_destroy_claim(item):
            return None
        return {"build_number": DESTROYED_CLAIM, "destroyed": True, "processes": []}

    store.update(keys.app_pk(app), keys.DEPLOY_CLAIM_SK, change)


def _own_services(names: list[str], base: str) -> list[str]:
    """`<base>-<process>` only: process types have no `-`, so `pipe-pr1-` never takes `pipe-pr1-x-y`."""
    return [n for n in names if n.startswith(f"{base}-") and "-" not in n[len(base) + 1 :]]


def destroy_review_app(target: Target, deps: ReviewAppDeps) -> list[str]:
    """Tear review app `target` down (steps in the module docstring). Returns what was removed."""
    settings = get_settings()
    ref = AppRef(target.key)
    store = deps.store
    removed: list[str] = []
    _tombstone(store, ref.name)
    config = store.get(keys.app_pk(ref.declared_name), keys.CONFIG_ECS_SK)
    cluster = ecs_config_from_value((config or {}).get("value")).cluster if config else settings.cluster_name
    names = _own_services(deps.ecs.service_names(cluster, f"{ref.resource_name}-"), ref.resource_name)
    active = [s.name for s in deps.ecs.describe_services(cluster, names).values() if s.status == "ACTIVE"]
    for service in sorted(active):  # a deleted service drains (DRAINING, then INACTIVE): deleted once
        if deps.autoscaling.disable(cluster, service):
            removed.append(f"autoscaling target of {service}")
        if deps.ecs.delete_service(cluster, service):
            removed.append(f"service {service}")
    if remove_web_route(ref, RoutingDeps(store=store, load_balancing=deps.load_balancing)):
        removed.append("web rule and target group")
    for rule in deps.scheduling.rule_names(rule_name_prefix(ref.resource_name)):
        if is_rule_of(ref.resource_name, rule) and deps.scheduling.delete_rule(rule):
            removed.append(f"scheduled rule {rule}")
    root = target_root(target, settings.ssm_prefix)
    own = [n for n in deps.parameters.names_under(root) if n.startswith(f"{root}/")]
    if own:
        deps.parameters.delete(own)
        removed.extend(f"parameter {n}" for n in own)
    pk, sk = ref.deploystatus_key
    store.delete(pk, sk)
    store.delete(keys.app_pk(ref.name), keys.DEPLOYED_SK)
    store.delete(keys.app_pk(ref.name), keys.SETTINGS_SK)  # its `value.domains` (routing/domains.py)
    record: dict[str, Any] = {"app": ref.name, "status": DESTROYED, "destroyed_at": int(time.time())}
    if removed:
        record["removed"] = removed
    store.set_fields_if(
        keys.app_pk(ref.name), REVIEW_APP_SK, record, Attr("status").not_exists() | Attr("status").ne(DESTROYED)
    )
    return removed


def apply_review_app_status(target: Target, deps: ReviewAppDeps | None = None) -> ReviewAppOutcome:
    """Bring review app `target` in line with its status parameter's current value."""
    deps = deps or ReviewAppDeps()
    name = status_parameter_name(target.name, str(target.pr), get_settings().ssm_prefix)
    current = deps.parameters.get(name)
    status = parse_status(current.value if current else None)
    if status is not None and status.status == CREATED:
        lifted = reopen_review_app(deps.store, target.key)
        return ReviewAppOutcome("opened", ("destroy tombstone lifted",) if lifted else ())
    if current is not None and (status is None or status.status != DELETING):
        what = status.status if status else "not AppPack's review-app JSON"
        return ReviewAppOutcome("nothing to do", message=f"status {what!r}: neither created nor deleting")
    removed = destroy_review_app(target, deps)
    if current is not None:
        again = deps.parameters.get(name)  # re-created meanwhile? then it stays
        if again is not None and (parsed := parse_status(again.value)) is not None and parsed.status == DELETING:
            deps.parameters.delete([name])
    logger.info("review app destroyed", extra={"app": target.key, "removed": removed})
    return ReviewAppOutcome("destroyed", tuple(removed))
