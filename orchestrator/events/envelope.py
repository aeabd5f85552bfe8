"""The EventBridge envelope shared by every event.

`time` and `region` are optional because AWS documents partial events (the ECS Spot interruption
snippet has neither); the handlers never depend on them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

DetailT = TypeVar("DetailT")


class AwsModel(BaseModel):
    """Base for AWS payloads: hyphenated keys by alias, unknown fields ignored."""

    # defer_build: each event model is built when it first validates, not at import (a cheap cold start).
    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True, defer_build=True)


class EventEnvelope(AwsModel, Generic[DetailT]):
    version: str = "0"
    id: str = Field(min_length=1)
    detail_type: str = Field(alias="detail-type", min_length=1)
    source: str = Field(min_length=1)
    account: str = ""
    time: datetime | None = None
    region: str | None = None
    resources: list[str] = Field(default_factory=list)
    detail: DetailT


class AnyEvent(EventEnvelope[dict[str, Any]]):
    """Any well-formed EventBridge event, detail left as a dict (routing and `events explain`)."""
