"""Builders of "Parameter Store Change" events in the shape AWS documents (tests/fixtures/aws-events/ssm_*.json).

Parameter Store emits one event per Create, Update, Delete or LabelParameterVersion; the event carries the
parameter's name, type and description, never its value. Hierarchical names keep their leading slash.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from orchestrator.local.aws_events import ACCOUNT, envelope

Operation = Literal["Create", "Update", "Delete", "LabelParameterVersion"]
ParameterType = Literal["String", "StringList", "SecureString"]


def parameter_arn(name: str, region: str = "us-east-1", account: str = ACCOUNT) -> str:
    return f"arn:aws:ssm:{region}:{account}:parameter/{name.lstrip('/')}"


def parameter_store_change(
    name: str,
    operation: Operation = "Update",
    *,
    parameter_type: ParameterType = "String",
    description: str | None = None,
    region: str = "us-east-1",
    when: datetime | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    detail: dict[str, Any] = {"operation": operation, "name": name, "type": parameter_type}
    if description is not None:
        detail["description"] = description
    return envelope(
        "aws.ssm", "Parameter Store Change", detail, resources=[parameter_arn(name, region)], region=region,
        when=when, event_id=event_id,
    )  # fmt: skip


def config_change(name: str, operation: Operation = "Update", **kw: Any) -> dict[str, Any]:
    """A config variable's event: config parameters are SecureStrings."""
    return parameter_store_change(name, operation, parameter_type="SecureString", **kw)
