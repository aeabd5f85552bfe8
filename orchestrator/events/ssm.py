"""SSM Parameter Store Change."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from orchestrator.events.envelope import AwsModel, EventEnvelope


class ParameterChangeDetail(AwsModel):
    operation: Literal["Create", "Update", "Delete", "LabelParameterVersion"]
    name: str = Field(min_length=1)
    type: str | None = None
    description: str | None = None
    # Present when Parameter Store rejected the value (for example an aws:ec2:image data type).
    exception: str | None = None

    @property
    def path(self) -> str:
        """The parameter name with its leading slash, as SSM paths are written."""
        return self.name if self.name.startswith("/") else f"/{self.name}"


class ParameterStoreChangeEvent(EventEnvelope):
    detail: ParameterChangeDetail
    source: Literal["aws.ssm"]
    detail_type: Literal["Parameter Store Change"] = Field(alias="detail-type")
