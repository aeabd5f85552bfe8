"""S3 Object Created, as S3 sends it to EventBridge."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from orchestrator.events.envelope import AwsModel, EventEnvelope


class S3Bucket(AwsModel):
    name: str = Field(min_length=1)


class S3Object(AwsModel):
    key: str = Field(min_length=1)
    size: int | None = None
    etag: str | None = None
    version_id: str | None = Field(default=None, alias="version-id")
    sequencer: str | None = None


class ObjectCreatedDetail(AwsModel):
    version: str = "0"
    bucket: S3Bucket
    object: S3Object
    reason: str | None = None


class ObjectCreatedEvent(EventEnvelope):
    detail: ObjectCreatedDetail
    source: Literal["aws.s3"]
    detail_type: Literal["Object Created"] = Field(alias="detail-type")
