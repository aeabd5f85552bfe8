"""The EventBridge envelope shared by every event.

`time` and `region` are optional because AWS documents partial events (the ECS Spot interruption
snippet has neither); the handlers never depend on them.

Each event model narrows `detail` in its own class instead of parametrizing a generic envelope: pydantic
builds a generic model's origin (and loads its plugins) on the first `EventEnvelope[...]`, at import, while
a plain subclass stays deferred until it first validates.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AwsModel(BaseModel):
    """Base for AWS payloads: hyphenated keys by alias, unknown fields ignored."""

    # defer_build: each event model is built when it first validates, not at import (a cheap cold start).
    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True, defer_build=True)


class EventEnvelope(AwsModel):
    version: str = "0"
    id: str = Field(min_length=1)
    detail_type: str = Field(alias="detail-type", min_length=1)
    source: str = Field(min_length=1)
    account: str = ""
    time: datetime | None = None
    region: str | None = None
    resources: list[str] = Field(default_factory=list)
    detail: Any  # each event model narrows it


class AnyEvent(EventEnvelope):
    """Any well-formed EventBridge event, detail left as a dict (routing and `events explain`)."""

    detail: dict[str, Any]
