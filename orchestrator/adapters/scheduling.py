"""EventBridge scheduled rules whose targets run ECS tasks (RunTask through the events role)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from orchestrator.adapters.clients import client

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient


@dataclass(frozen=True)
class ScheduledRule:
    name: str
    schedule_expression: str
    description: str = ""
    state: str = "ENABLED"


@dataclass(frozen=True)
class RuleTarget:
    """One EventBridge target, as PutTargets takes it (kept as the API's own dict for round-trips)."""

    id: str
    body: dict[str, Any] = field(hash=False)


class Scheduling:
    @property
    def _events(self) -> EventBridgeClient:
        events: EventBridgeClient = client("events")
        return events

    def rule_names(self, name_prefix: str) -> list[str]:
        names: list[str] = []
        paginator = self._events.get_paginator("list_rules")
        for page in paginator.paginate(NamePrefix=name_prefix):
            names.extend(rule["Name"] for rule in page.get("Rules", []) if "Name" in rule)
        return sorted(names)

    def describe(self, name: str) -> ScheduledRule | None:
        try:
            rule = self._events.describe_rule(Name=name)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return None
            raise
        return ScheduledRule(
            name=name,
            schedule_expression=rule.get("ScheduleExpression", ""),
            description=rule.get("Description", ""),
            state=rule.get("State", "ENABLED"),
        )

    def put_rule(self, rule: ScheduledRule, tags: dict[str, str]) -> None:
        """Create or update the rule (PutRule is idempotent on the name)."""
        self._events.put_rule(
            Name=rule.name,
            ScheduleExpression=rule.schedule_expression,
            State=rule.state,  # type: ignore[arg-type]
            Description=rule.description,
            Tags=[{"Key": k, "Value": v} for k, v in sorted(tags.items())],
        )

    def targets(self, rule: str) -> list[RuleTarget]:
        found: list[RuleTarget] = []
        paginator = self._events.get_paginator("list_targets_by_rule")
        for page in paginator.paginate(Rule=rule):
            found.extend(RuleTarget(t["Id"], dict(t)) for t in page.get("Targets", []))
        return found

    def put_targets(self, rule: str, targets: list[RuleTarget]) -> None:
        if not targets:
            return
        response = self._events.put_targets(Rule=rule, Targets=[t.body for t in targets])  # type: ignore[misc]
        if response.get("FailedEntryCount"):
            failed = response.get("FailedEntries", [])
            raise RuntimeError(f"PutTargets on {rule} failed: {failed}")

    def remove_targets(self, rule: str, ids: list[str]) -> None:
        if ids:
            self._events.remove_targets(Rule=rule, Ids=ids)

    def delete_rule(self, name: str) -> bool:
        """Remove every target, then the rule. False when the rule did not exist."""
        try:
            ids = [t.id for t in self.targets(name)]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return False
            raise
        self.remove_targets(name, ids)
        self._events.delete_rule(Name=name)
        return True
