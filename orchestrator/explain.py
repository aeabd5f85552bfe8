"""`events explain`: which rule an event matches, and what its handler would do. Reads, never writes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from orchestrator.adapters.store import Store
from orchestrator.events import patterns
from orchestrator.events.envelope import AnyEvent
from orchestrator.events.matching import matches
from orchestrator.settings import get_settings


class InvalidEventError(ValueError):
    """The input is not an EventBridge event."""


@dataclass(frozen=True)
class RouteExplanation:
    rule: str
    handler: str
    action: str


@dataclass(frozen=True)
class Explanation:
    event_id: str
    source: str
    detail_type: str
    routes: list[RouteExplanation] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.event_id,
            "source": self.source,
            "detail_type": self.detail_type,
            "routes": [r.__dict__ for r in self.routes],
            "summary": self.summary,
        }

    @property
    def summary(self) -> str:
        if not self.routes:
            return "no rule matches: not managed by the orchestrator"
        return "; ".join(f"{r.rule} → {r.action}" for r in self.routes)


Explainer = Callable[[dict[str, Any], Store], str]


def _explain_codebuild(raw: dict[str, Any], store: Store) -> str:
    from orchestrator.events.codebuild import BuildPhaseChangeEvent, BuildStateChangeEvent
    from orchestrator.pipeline.builds import InvalidSourceVersionError, observe, resolve_app

    model = BuildStateChangeEvent if raw["detail-type"] == "CodeBuild Build State Change" else BuildPhaseChangeEvent
    obs = observe(model.model_validate(raw))
    try:
        app = resolve_app(store, obs.project, obs.source_version)
    except InvalidSourceVersionError as error:
        return f"refused: {error}; nothing is recorded"
    if app is None:
        return f"not managed: CodeBuild project {obs.project!r} belongs to no app; acknowledged"
    number = obs.build_number if obs.build_number is not None else "(number from CodeBuild)"
    what = f"build status {obs.status}" if obs.status else f"phases {', '.join(sorted(obs.phases)) or 'none'}"
    return f"records {what} on build {number} of app {app!r}"


EXPLAINERS: dict[str, Explainer] = {patterns.CODEBUILD_HANDLER: _explain_codebuild}


def _explain_bundle(raw: dict[str, Any], store: Store) -> str:
    from orchestrator.bundles.deploy import BundleDeps
    from orchestrator.bundles.uploads import UploadedObject, explain_upload
    from orchestrator.events.s3 import ObjectCreatedEvent

    event = ObjectCreatedEvent.model_validate(raw)
    upload = UploadedObject(
        bucket=event.detail.bucket.name,
        key=event.detail.object.key,
        version_id=event.detail.object.version_id,
        sequencer=event.detail.object.sequencer,
    )
    return explain_upload(upload, BundleDeps(store=store))


EXPLAINERS[patterns.BUNDLE_HANDLER] = _explain_bundle


def _explain_parameter(raw: dict[str, Any], store: Store) -> str:
    from orchestrator.parameters.explain import explain_parameter_event

    return explain_parameter_event(raw, store)


EXPLAINERS[patterns.PARAMETER_HANDLER] = _explain_parameter


def _explain_ecs_task(raw: dict[str, Any], store: Store) -> str:
    from orchestrator.pipeline.explain import explain_task_event

    return explain_task_event(raw, store)


def _explain_ecs_deployment(raw: dict[str, Any], store: Store) -> str:
    from orchestrator.pipeline.explain import explain_deployment_event

    return explain_deployment_event(raw, store)


EXPLAINERS[patterns.ECS_TASK_HANDLER] = _explain_ecs_task
EXPLAINERS[patterns.ECS_DEPLOYMENT_HANDLER] = _explain_ecs_deployment


def parse_event(raw: Any) -> AnyEvent:
    try:
        return AnyEvent.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "event"
        raise InvalidEventError(f"not an EventBridge event: {where}: {first['msg']}") from error


def explain_event(raw: Any, store: Store | None = None) -> Explanation:
    event = parse_event(raw)
    settings = get_settings()
    routes = patterns.event_routes(ssm_prefix=settings.ssm_prefix, bundle_bucket=settings.bundle_bucket)
    store = store or Store()
    explained = []
    for route in routes:
        if not matches(route.pattern, raw):
            continue
        explainer = EXPLAINERS.get(route.handler)
        try:
            action = explainer(raw, store) if explainer else "handled"
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "event"
            more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
            action = f"rejected as malformed: {where}: {first['msg']}{more}; would go to the dead-letter queue"
        except (ClientError, BotoCoreError) as error:
            action = f"cannot tell whether it is managed: {error}"
        explained.append(RouteExplanation(rule=route.name, handler=route.handler, action=action))
    explained.extend(_explain_notification(raw))
    return Explanation(event.id, event.source, event.detail_type, explained)


def _explain_notification(raw: dict[str, Any]) -> list[RouteExplanation]:
    """The orchestrator's own events (orchestrator/notifications) reach no handler, only these rules."""
    from orchestrator.notifications.models import OrchestratorEvent

    rules = [rule for rule in patterns.notification_rules() if matches(rule.pattern, raw)]
    if not rules:
        return []
    try:
        summary = OrchestratorEvent.model_validate(raw).summary()
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "event"
        summary = f"not the orchestrator's schema ({where}: {first['msg']})"
    targets = {
        "published-events": f"kept in log group {patterns.PUBLISHED_EVENTS_LOG_GROUP} (`events tail`)",
        "notify-people": "sent to the notification email topic and webhook, where the stack has them",
    }
    return [
        RouteExplanation(rule=rule.name, handler="(no handler)", action=f"{summary}: {targets[rule.name]}")
        for rule in rules
    ]
