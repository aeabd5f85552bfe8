"""One Lambda per event route, and the EventBridge rule that feeds it, both built from the shared
`EventRoute` data (orchestrator/events/patterns.py): the pattern is passed through, never copied."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from orchestrator.events.patterns import EventRoute, route_function_name

# Retries are bounded on both legs, and whatever is still failing lands in the one dead-letter queue.
LAMBDA_ASYNC_RETRIES = 2
LAMBDA_MAX_EVENT_AGE = Duration.hours(1)
RULE_TARGET_RETRIES = 4
RULE_TARGET_MAX_EVENT_AGE = Duration.hours(2)


def function_name(route: EventRoute) -> str:
    return route_function_name(route.name)


def event_pattern(pattern: Mapping[str, Any]) -> events.EventPattern:
    """The route's pattern as CDK's EventPattern (its keys are the pattern's top-level fields)."""
    keys = {
        "source": "source",
        "detail-type": "detail_type",
        "detail": "detail",
        "account": "account",
        "region": "region",
        "resources": "resources",
        "id": "id",
        "time": "time",
        "version": "version",
    }
    unknown = set(pattern) - set(keys)
    if unknown:
        raise ValueError(f"event pattern has fields CDK cannot express: {sorted(unknown)}")
    return events.EventPattern(**{keys[k]: v for k, v in pattern.items()})


class RouteFunction(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        route: EventRoute,
        code: lambda_.Code,
        layer: lambda_.ILayerVersion,
        role: iam.IRole,
        environment: Mapping[str, str],
        dead_letter_queue: sqs.IQueue,
        timeout: Duration,
        reserved_concurrency: int,
        memory_size: int = 512,
    ) -> None:
        super().__init__(scope, construct_id)
        name = function_name(route)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/lambda/{name}",
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=name,
            description=route.description[:256],
            runtime=lambda_.Runtime.PYTHON_3_12,
            architecture=lambda_.Architecture.ARM_64,
            handler=route.handler,
            code=code,
            layers=[layer],
            role=role,
            environment=dict(environment),
            timeout=timeout,
            memory_size=memory_size,
            # A burst of events on one route (a mass config change, a build storm) can neither starve the
            # other routes nor the account's other functions; throttled async events are retried by Lambda.
            reserved_concurrent_executions=reserved_concurrency,
            tracing=lambda_.Tracing.ACTIVE,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            retry_attempts=LAMBDA_ASYNC_RETRIES,
            max_event_age=LAMBDA_MAX_EVENT_AGE,
            # A dead-letter queue, not an on-failure destination: the message is then the event itself
            # (with RequestID/ErrorCode/ErrorMessage attributes), the same shape the rule targets' DLQ
            # gets and the local dispatcher writes, so any dead letter can be replayed as it is.
            dead_letter_queue=dead_letter_queue,
        )
        self.log_group.grant_write(role)
        self.rule = events.Rule(
            self,
            "Rule",
            description=route.description[:512],
            event_pattern=event_pattern(route.pattern),
            targets=[self._target(dead_letter_queue)],
        )
        # A route with a schedule also gets a Scheduled Event on it (EventBridge delivers those to this
        # rule's targets only; the handler accepts them: EventRoute.accepts).
        self.schedule_rule: events.Rule | None = None
        if route.schedule is not None:
            self.schedule_rule = events.Rule(
                self,
                "Schedule",
                description=f"Schedule: {route.description}"[:512],
                schedule=events.Schedule.expression(route.schedule),
                targets=[self._target(dead_letter_queue)],
            )

    def _target(self, dead_letter_queue: sqs.IQueue) -> targets.LambdaFunction:
        return targets.LambdaFunction(
            self.function,
            dead_letter_queue=dead_letter_queue,
            retry_attempts=RULE_TARGET_RETRIES,
            max_event_age=RULE_TARGET_MAX_EVENT_AGE,
        )
