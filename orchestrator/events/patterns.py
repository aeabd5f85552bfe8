"""The EventBridge rules, defined once as data.

The CDK stack builds its rules from `event_routes()`, and the local emulator puts the very same
patterns into moto's EventBridge. Values that only exist at deploy time (bucket names, the SSM prefix)
are parameters, so CDK can pass tokens and the emulator plain strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

EventPattern = dict[str, Any]


@dataclass(frozen=True)
class EventRoute:
    """One EventBridge rule: what it matches and which handler receives it."""

    name: str
    handler: str  # dotted path of the Lambda entry point
    description: str
    pattern: EventPattern
    # A second rule on a schedule (EventBridge's rate/cron expression) sends the handler a Scheduled Event.
    schedule: str | None = None

    def accepts(self, event: dict[str, Any]) -> bool:
        """Does this route's handler take `event`: its pattern matches, or it is a tick of its schedule?"""
        from orchestrator.events.matching import matches

        if matches(self.pattern, event):
            return True
        return self.schedule is not None and (event.get("source"), event.get("detail-type")) == SCHEDULED


CODEBUILD_HANDLER = "orchestrator.handlers.codebuild.handler"
ECS_TASK_HANDLER = "orchestrator.handlers.ecs_task.handler"
ECS_DEPLOYMENT_HANDLER = "orchestrator.handlers.ecs_deployment.handler"
PARAMETER_HANDLER = "orchestrator.handlers.parameters.handler"
BUNDLE_HANDLER = "orchestrator.handlers.bundles.handler"
CERTIFICATE_HANDLER = "orchestrator.handlers.certificates.handler"
SCHEDULED = ("aws.events", "Scheduled Event")  # what a schedule rule delivers to its targets only
# How often pending custom-domain certificates are checked again (and deferred deletions retried): ACM's
# "Certificate Available" event is best effort. One Query when nothing is pending.
CERTIFICATE_CHECK_SCHEDULE = "rate(15 minutes)"


def route_function_name(route_name: str) -> str:
    """The Lambda function a route's rule targets (hyphens only: bundle functions' names hold underscores)."""
    return f"orchestrator-{route_name}"


def event_routes(*, ssm_prefix: str, bundle_bucket: str) -> list[EventRoute]:
    return [
        EventRoute(
            name="codebuild",
            handler=CODEBUILD_HANDLER,
            description="CodeBuild build and phase changes: build records and the start of a release",
            pattern={
                "source": ["aws.codebuild"],
                "detail-type": ["CodeBuild Build State Change", "CodeBuild Build Phase Change"],
            },
        ),
        EventRoute(
            name="ecs-task",
            handler=ECS_TASK_HANDLER,
            description="Stopped ECS tasks: release and postdeploy task exits",
            pattern={
                "source": ["aws.ecs"],
                "detail-type": ["ECS Task State Change"],
                "detail": {"lastStatus": ["STOPPED"]},
            },
        ),
        EventRoute(
            name="ecs-deployment",
            handler=ECS_DEPLOYMENT_HANDLER,
            description="ECS service deployments: completed, failed, circuit-breaker rollback",
            pattern={"source": ["aws.ecs"], "detail-type": ["ECS Deployment State Change"]},
        ),
        EventRoute(
            name="parameters",
            handler=PARAMETER_HANDLER,
            description="Parameter Store changes under the orchestrator's prefix",
            pattern={
                "source": ["aws.ssm"],
                "detail-type": ["Parameter Store Change"],
                "detail": {"name": [{"prefix": f"/{ssm_prefix}/"}]},
            },
        ),
        EventRoute(
            name="bundles",
            handler=BUNDLE_HANDLER,
            description="Function-app bundles uploaded under bundles/ in the bundle bucket",
            pattern={
                "source": ["aws.s3"],
                "detail-type": ["Object Created"],
                "detail": {"bucket": {"name": [bundle_bucket]}, "object": {"key": [{"prefix": "bundles/"}]}},
            },
        ),
        EventRoute(
            name="certificates",
            handler=CERTIFICATE_HANDLER,
            description="Custom domains' ACM certificates: attach issued ones to the listener, retry deferred deletions",
            pattern={"source": ["aws.acm"], "detail-type": ["ACM Certificate Available"]},
            schedule=CERTIFICATE_CHECK_SCHEDULE,
        ),
    ]


# --- the orchestrator's own events (orchestrator/notifications) ------------------------------------
# The handlers' patterns above all name an `aws.*` source, so these never reach a handler (no loop).

ORCHESTRATOR_SOURCE = "orchestrator"
PUBLISHED_EVENTS_LOG_GROUP = "/orchestrator/published-events"  # every published event, for `events tail`


@dataclass(frozen=True)
class NotificationRule:
    name: str
    description: str
    pattern: EventPattern


def notification_rules() -> list[NotificationRule]:
    """`archive`: everything published, into PUBLISHED_EVENTS_LOG_GROUP (stack and emulator).
    `people`: what a person is told (the optional email topic and webhook): any failure, and the end of a deploy
    or of a rollout (config change, resize, rollback)."""
    return [
        NotificationRule(
            name="published-events",
            description="Every event the orchestrator publishes, kept in a log group for `events tail`",
            pattern={"source": [ORCHESTRATOR_SOURCE]},
        ),
        NotificationRule(
            name="notify-people",
            description="Failed builds, releases, deploys and rollouts, and finished ones: to email and the webhook",
            pattern={
                "source": [ORCHESTRATOR_SOURCE],
                "$or": [
                    {"detail": {"state": ["failed"]}},
                    {"detail": {"stage": ["deploy", "rollout"], "state": ["succeeded"]}},
                ],
            },
        ),
    ]
