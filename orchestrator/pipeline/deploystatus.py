"""AppPack's `DEPLOYSTATUS` item (`DEPLOYSTATUS#<pr>` under the pipeline for a review app).

The payload sits under `value`, with the types of the CLI's `DeployStatus` and `Process` structs
(`app/app.go`): `cpu` and `memory` are strings (ECS units and MiB), the counts and `build_number` ints,
`last_update` unix seconds, `failed` a bool. A top-level `build_number` copy is the orchestrator's own: the
newest-wins conditional writes compare it (the CLI ignores attributes beside `value`).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from orchestrator.pipeline.deploystatus_item import deploystatus_value as deploystatus_value


class DeployStatusProcess(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import (cold start)

    name: str
    cpu: str
    memory: str
    min_processes: int
    max_processes: int
    state: str
    command: str


class DeployStatus(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import (cold start)

    phase: str  # "complete", or the phase that failed
    processes: list[DeployStatusProcess]
    build_id: str
    build_number: int
    commit: str
    last_update: int
    failed: bool


def deploystatus_fields(status: DeployStatus) -> dict[str, Any]:
    """The attributes to write: AppPack's `value` and the ordering copy of the build number."""
    return {"value": status.model_dump(mode="json"), "build_number": status.build_number}

