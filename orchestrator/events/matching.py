"""EventBridge pattern matching for the operators our patterns use (exact values, prefix, exists,
anything-but, $or), so that `events explain` can answer without AWS. The emulator routes through moto's
own EventBridge; tests check both agree on every route."""

from __future__ import annotations

from typing import Any

from orchestrator.events.patterns import EventPattern

_MISSING = object()


def matches(pattern: EventPattern, event: dict[str, Any]) -> bool:
    for key, expected in pattern.items():
        if key == "$or":  # any one of the alternatives, each a pattern of its own
            if not any(matches(alternative, event) for alternative in expected):
                return False
            continue
        actual = event.get(key, _MISSING) if isinstance(event, dict) else _MISSING
        if isinstance(expected, dict):
            if not isinstance(actual, dict) or not matches(expected, actual):
                return False
        elif not _field_matches(expected, actual):
            return False
    return True


def _field_matches(rules: list[Any], actual: Any) -> bool:
    values = actual if isinstance(actual, list) else [actual]
    return any(_rule_matches(rule, value) for rule in rules for value in values) or any(
        isinstance(rule, dict) and "exists" in rule and rule["exists"] is (actual is not _MISSING) for rule in rules
    )


def _rule_matches(rule: Any, value: Any) -> bool:
    if value is _MISSING:
        return False
    if not isinstance(rule, dict):
        return bool(rule == value)
    if "prefix" in rule:
        return isinstance(value, str) and value.startswith(rule["prefix"])
    if "anything-but" in rule:
        excluded = rule["anything-but"]
        return value not in (excluded if isinstance(excluded, list) else [excluded])
    return False
