"""An app's `web` process behind the shared load balancer: its target group, its host rule, its priority.

`ensure_web_route` is called by the deploy before the web service is created or updated, and is safe to
repeat (redelivered events, retries after a lost response, two invocations at once):

- the rule priority is claimed once per app (routing/priorities.py) and kept in `APP#<app>` / `ROUTE#web`;
- the target group is looked up by its deterministic name before it is created (CreateTargetGroup also
  returns the existing group for identical settings), and its health check path follows apppack.toml;
- the rule is looked up at the app's priority before it is created; a PriorityInUse refusal (another
  invocation of the same app just made it) is read back, never retried blindly. A rule at that priority
  that forwards elsewhere is not this app's, and is never changed.
With no listener configured (`ORCHESTRATOR_LISTENER_ARN` empty), apps get no route and services no load
balancer, as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from boto3.dynamodb.conditions import Attr
from pydantic import BaseModel, ConfigDict

from orchestrator.adapters.aws_errors import RequestRefusedError
from orchestrator.adapters.load_balancing import ListenerRule, LoadBalancing
from orchestrator.adapters.store import Store
from orchestrator.pipeline import keys
from orchestrator.pipeline.apps import AppRef, app_tags
from orchestrator.routing.domains import DomainDeps, custom_hosts, host_groups, remove_extra_rules, sync_host_rules
from orchestrator.routing.hosts import app_host, target_group_name
from orchestrator.routing.priorities import claim_priority, release_priority
from orchestrator.settings import get_settings

WEB_PROCESS = "web"
ROUTE_SK = keys.ROUTE_SK
HEALTH_CHECK_GRACE_SECONDS = 60  # ECS ignores failing load-balancer health checks this long after a task starts


class RouteConflictError(RuntimeError):
    """The listener holds a rule at this app's priority that forwards to another target group."""


@dataclass
class RoutingDeps:
    store: Store = field(default_factory=Store)
    load_balancing: LoadBalancing = field(default_factory=LoadBalancing)


class WebRoute(BaseModel):
    """`APP#<app>` / `ROUTE#web`: where the shared listener sends the app's hosts."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    app: str
    listener_arn: str
    priority: int
    hosts: list[str] = []
    target_group_arn: str = ""
    rule_arn: str = ""
    healthcheck_path: str = "/"


def load_balancer_attachment(route: WebRoute, container_name: str, container_port: int) -> list[dict[str, Any]]:
    """The `loadBalancers` of the web service's CreateService/UpdateService request. Pure."""
    return [{"targetGroupArn": route.target_group_arn, "containerName": container_name, "containerPort": container_port}]


def read_route(store: Store, app: str) -> WebRoute | None:
    item = store.get(keys.app_pk(app), ROUTE_SK)
    return WebRoute.model_validate(item) if item and item.get("priority") else None


def _route_priority(store: Store, ref: AppRef, listener_arn: str) -> int:
    """The app's priority on the listener: the stored one, else one claimed and stored (first writer wins)."""
    route = read_route(store, ref.name)
    if route is not None and route.listener_arn == listener_arn:
        return route.priority
    claimed = claim_priority(store, listener_arn, ref.name)

    def change(item: dict[str, Any] | None) -> dict[str, Any] | None:
        if item and item.get("listener_arn") == listener_arn and item.get("priority"):
            return None
        return {**(item or {}), "app": ref.name, "listener_arn": listener_arn, "priority": claimed}

    before, after = store.update(keys.app_pk(ref.name), ROUTE_SK, change)
    stored = int((after or before or {}).get("priority", claimed))
    if stored != claimed:
        release_priority(store, listener_arn, ref.name, claimed)
    return stored


def _rule_at(rules: list[ListenerRule], priority: int) -> ListenerRule | None:
    return next((r for r in rules if r.priority == priority), None)


def ensure_web_route(
    ref: AppRef, healthcheck_path: str, container_port: int, deps: RoutingDeps, *, extra_hosts: list[str] | None = None
) -> WebRoute | None:
    """Make (or confirm) the app's target group and host rule; returns the route, or None without a listener.
    Raises RequestRefusedError or RouteConflictError (final: the deploy fails and says why)."""
    settings = get_settings()
    listener = settings.listener_arn
    if not listener:
        return None
    lb = deps.load_balancing
    priority = _route_priority(deps.store, ref, listener)
    own = app_host(ref, settings.apps_domain)
    hosts = [own, *extra_hosts] if extra_hosts is not None else host_groups(own, custom_hosts(deps.store, ref.name))[0]
    name = target_group_name(ref, WEB_PROCESS)
    group = lb.find_target_group(name)
    if group is None:
        tags = {**app_tags(ref), "apppack:processType": WEB_PROCESS}
        group = lb.create_target_group(
            name, vpc_id=settings.vpc_id, port=container_port, health_check_path=healthcheck_path, tags=tags
        )
    elif group.health_check_path != healthcheck_path:
        lb.set_health_check_path(group.arn, healthcheck_path)
    rule = _rule_at(lb.rules(listener), priority)
    if rule is None:
        try:
            rule = lb.create_rule(listener, priority, hosts, group.arn)
        except RequestRefusedError as error:
            if error.code != "PriorityInUse":
                raise
            rule = _rule_at(lb.rules(listener), priority)
            if rule is None:
                raise
    if rule.target_group_arns and group.arn not in rule.target_group_arns:
        raise RouteConflictError(
            f"the listener's rule at priority {priority} ({rule.arn}) forwards to another target group; "
            f"it is not {ref.name}'s and was left unchanged"
        )
    if sorted(rule.hosts) != sorted(hosts) or rule.target_group_arns != [group.arn]:
        lb.set_rule(rule.arn, hosts, group.arn)
    route = WebRoute(
        app=ref.name, listener_arn=listener, priority=priority, hosts=hosts, target_group_arn=group.arn,
        rule_arn=rule.arn, healthcheck_path=healthcheck_path,
    )  # fmt: skip
    deps.store.set_fields_if(keys.app_pk(ref.name), ROUTE_SK, route.model_dump(), Attr("priority").eq(priority))
    if extra_hosts is None:  # the custom domains beyond the first four get rules of their own
        sync_host_rules(ref, DomainDeps(deps.store, deps.load_balancing))
    return route


def remove_web_route(ref: AppRef, deps: RoutingDeps) -> bool:
    """Delete the app's host rule and target group and give its priority back (a review app torn down).
    Safe to repeat: what is already gone is skipped. Call after the web service is deleted (a target group
    in use by a service cannot be deleted). True when there was a route."""
    route = read_route(deps.store, ref.name)
    if route is None:
        return False
    lb = deps.load_balancing
    rule = _rule_at(lb.rules(route.listener_arn), route.priority)
    if rule is not None and (not rule.target_group_arns or route.target_group_arn in rule.target_group_arns):
        lb.delete_rule(rule.arn)
    remove_extra_rules(
        ref, DomainDeps(deps.store, lb), keep=0, rules=lb.rules(route.listener_arn), listener_arn=route.listener_arn,
        target_group_arn=route.target_group_arn,
    )  # fmt: skip
    group = lb.find_target_group(target_group_name(ref, WEB_PROCESS))
    if group is not None:
        lb.delete_target_group(group.arn)
    release_priority(deps.store, route.listener_arn, ref.name, route.priority)
    deps.store.delete(keys.app_pk(ref.name), ROUTE_SK)
    return True
