"""The emulator on the resources CloudFormation created, so that the stacks are the one source of what exists.

Once the synthesized stacks are deployed into the emulator's moto (`stack_deploy.deploy_cloud_assembly`):
- this process takes the settings the stacks gave the route functions (their environment variables, as
  CloudFormation resolved them), so the handlers it runs see what they would see in Lambda;
- each route's rule (the stack's rule, with the stack's pattern) is re-pointed from its Lambda function,
  which moto could only run in Docker, to an SQS queue the dispatcher polls; the target keeps its id,
  dead-letter queue and retry policy. The dispatcher then invokes the handler as Lambda would.
- apps are the ones the app stacks declared (their items, CodeBuild project and ECR repository); nothing
  is registered here.
A missing function or rule, a rule whose pattern is not the route's, or route functions given different
settings fail by name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from orchestrator.adapters.clients import client
from orchestrator.adapters.store import Store
from orchestrator.events.patterns import EventRoute, event_routes, route_function_name
from orchestrator.local.resources import RouteQueue, Routing, queue_name
from orchestrator.local.stack_deploy import deploy_cloud_assembly
from orchestrator.pipeline import keys
from orchestrator.pipeline.app_registry import AppDeclaration, AppKind, ecs_config_from_value
from orchestrator.settings import Settings, configure, get_settings

ACCOUNT = "123456789012"  # moto's default account, which the emulator's clients use


class StackAdoptionError(RuntimeError):
    """The deployed stacks lack something the emulator runs on (named in the message)."""


def _routes(settings: Settings) -> list[EventRoute]:
    return event_routes(ssm_prefix=settings.ssm_prefix, bundle_bucket=settings.bundle_bucket)


def deployed_settings() -> dict[str, object]:
    """The settings every route function was deployed with; they must all agree."""
    functions = client("lambda")
    found: dict[str, dict[str, object]] = {}
    for route in _routes(get_settings()):  # the route names only: they do not depend on the settings
        name = route_function_name(route.name)
        try:
            configuration = functions.get_function_configuration(FunctionName=name)
        except ClientError as error:
            raise StackAdoptionError(f"route {route.name}: no function {name} in the deployed stacks ({error})") from error
        found[name] = Settings.overrides_from_environment(configuration.get("Environment", {}).get("Variables", {}))
    (first_name, first), *others = found.items()
    differing = [name for name, settings in others if settings != first]
    if differing:
        raise StackAdoptionError(f"route functions {', '.join(differing)} have other settings than {first_name}")
    return first


def _queue_arn(url: str) -> str:
    arn: str = client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return arn


def _route_rule(route: EventRoute, queue_arn: str) -> tuple[str, dict[str, Any]]:
    """The rule that targets the route's function (or, adopted before, the route's queue), and that target."""
    events = client("events")
    function = route_function_name(route.name)
    function_arn = client("lambda").get_function_configuration(FunctionName=function)["FunctionArn"]
    rules: list[str] = []
    for target_arn in (function_arn, queue_arn):
        paginator = events.get_paginator("list_rule_names_by_target")
        named = [n for page in paginator.paginate(TargetArn=target_arn) for n in page.get("RuleNames", [])]
        # A route's schedule rule targets the function too; the event rule is the one with a pattern.
        rules = [n for n in named if events.describe_rule(Name=n).get("EventPattern")]
        if rules:
            break
    if len(rules) != 1:
        raise StackAdoptionError(f"route {route.name}: {len(rules)} rules target {function}, expected 1")
    rule = events.describe_rule(Name=rules[0])
    if json.loads(rule.get("EventPattern") or "{}") != route.pattern:
        raise StackAdoptionError(
            f"route {route.name}: rule {rules[0]} matches {rule.get('EventPattern')}, not the route's pattern "
            f"{json.dumps(route.pattern)}"
        )
    targets = events.list_targets_by_rule(Rule=rules[0])["Targets"]
    return rules[0], next(t for t in targets if t["Arn"] in (function_arn, queue_arn))


def repoint_route_rules(settings: Settings) -> Routing:
    """Deliver each stack rule's events to the route's queue instead of its Lambda function. Idempotent."""
    queues = []
    for route in _routes(settings):
        url: str = client("sqs").create_queue(QueueName=queue_name(route.name))["QueueUrl"]
        queue_arn = _queue_arn(url)
        rule, target = _route_rule(route, queue_arn)
        client("events").put_targets(Rule=rule, Targets=[{**target, "Arn": queue_arn}])  # same Id: replaced
        queues.append(RouteQueue(route=route, queue_url=url))
    if not settings.dlq_url:
        raise StackAdoptionError("the route functions were deployed without ORCHESTRATOR_DLQ_URL")
    return Routing(queues=queues, dlq_url=settings.dlq_url)


def deployed_app(name: str, kind: AppKind) -> AppDeclaration:
    """The app as its stack declared it (the items its custom resource wrote)."""
    store = Store()
    settings_item = store.get(keys.app_pk(name), keys.SETTINGS_SK)
    ecs_item = store.get(keys.app_pk(name), keys.CONFIG_ECS_SK)
    if settings_item is None or ecs_item is None:
        raise StackAdoptionError(f"app {name} has no stack: declare it in the CDK app's `apps` context")
    if settings_item.get("kind", "app") != kind:
        raise StackAdoptionError(f"app {name} is deployed as a {settings_item.get('kind')}, not a {kind}")
    value = settings_item.get("value") or {}
    return AppDeclaration(
        name=name,
        kind=kind,
        codebuild_project=str(value["codebuild_project"]["name"]),
        ecr_repository=str(settings_item["ecr_repository"]["name"]),
        stack_id=str(value.get("stack_id", "")),
        ecs=ecs_config_from_value(ecs_item.get("value")),
    )


@dataclass(frozen=True)
class StackResources:
    """The emulator's resources are the deployed stacks: `cdk_out` is deployed into a fresh moto on start,
    or, without it, the stacks already deployed there are used as they are."""

    cdk_out: Path | None = None
    region: str = "us-east-1"

    @property
    def fresh_account(self) -> bool:
        return self.cdk_out is not None

    def provision(self) -> Routing:
        if self.cdk_out is not None:
            deploy_cloud_assembly(self.cdk_out, ACCOUNT, self.region)
        settings = configure(**deployed_settings())
        return repoint_route_rules(settings)

    def register(self, name: str, kind: AppKind) -> AppDeclaration:
        return deployed_app(name, kind)
