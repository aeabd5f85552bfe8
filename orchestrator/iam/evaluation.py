"""IAM's decision for one request against one identity's policy statements (pure; no AWS call).

The rule, as IAM applies it to identity-based policies: an explicit Deny wins; otherwise the request is
allowed only when, for every resource it names, some Allow statement matches the action, the resource and
all of its conditions. Actions match case-insensitively, resources case-sensitively, both with `*` and `?`.
Conditions support the operators the users role uses (String*, Arn*, their IfExists forms) with
ForAllValues/ForAnyValue.
A condition key the request does not carry fails the condition (ForAllValues over no values holds, as in IAM).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

Statement = Mapping[str, Any]


@dataclass(frozen=True)
class IamRequest:
    action: str  # service:Operation, e.g. ssm:PutParameter
    resources: tuple[str, ...]  # ARNs (or "*" for actions that name no resource)
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # condition keys → values


def _as_list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


@lru_cache(maxsize=1024)
def _wildcard(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{body}$", 0 if case_sensitive else re.IGNORECASE)


def _matches(patterns: Iterable[str], value: str, *, case_sensitive: bool) -> bool:
    return any(_wildcard(p, case_sensitive).match(value) for p in patterns)


def _compare(operator: str, expected: Sequence[str], actual: str) -> bool:
    if operator in ("StringEquals", "ArnEquals"):
        return actual in expected
    if operator in ("StringLike", "ArnLike"):
        return _matches(expected, actual, case_sensitive=True)
    if operator == "StringEqualsIgnoreCase":
        return actual.lower() in {e.lower() for e in expected}
    raise ValueError(f"condition operator {operator} is not supported by the local IAM simulation")


def _condition_holds(qualified: str, key: str, expected: Sequence[str], context: Mapping[str, tuple[str, ...]]) -> bool:
    qualifier, _, operator = qualified.rpartition(":")
    values = context.get(key)
    if operator.endswith("IfExists"):  # a key the request does not carry satisfies the condition
        if values is None:
            return True
        operator = operator.removesuffix("IfExists")
    if qualifier == "ForAllValues":
        return all(_compare(operator, expected, v) for v in values or ())
    if values is None:
        return False
    if qualifier == "ForAnyValue":
        return any(_compare(operator, expected, v) for v in values)
    return len(values) == 1 and _compare(operator, expected, values[0])


def _conditions_hold(statement: Statement, context: Mapping[str, tuple[str, ...]]) -> bool:
    for operator, pairs in (statement.get("Condition") or {}).items():
        for key, expected in pairs.items():
            if not _condition_holds(operator, key, _as_list(expected), context):
                return False
    return True


def _applies(statement: Statement, request: IamRequest, resource: str) -> bool:
    return (
        _matches(_as_list(statement.get("Action", [])), request.action, case_sensitive=False)
        and _matches(_as_list(statement.get("Resource", [])), resource, case_sensitive=True)
        and _conditions_hold(statement, request.context)
    )


def refused_resource(statements: Sequence[Statement], request: IamRequest) -> str | None:
    """The first resource the request may not touch under these statements; None when it is allowed."""
    for resource in request.resources or ("*",):
        applying = [s for s in statements if _applies(s, request, resource)]
        if any(s.get("Effect") == "Deny" for s in applying) or not any(s.get("Effect") == "Allow" for s in applying):
            return resource
    return None


def access_denied_message(principal: str, action: str, resource: str) -> str:
    """AccessDenied's message as AWS words it for an identity-based policy that does not allow the action."""
    return (
        f"User: {principal} is not authorized to perform: {action} on resource: {resource} "
        f"because no identity-based policy allows the {action} action"
    )
