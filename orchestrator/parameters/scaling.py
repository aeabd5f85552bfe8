"""The `scaling` parameter: a pydantic model with Fargate's cpu/memory rules.

    {"web": {"cpu": 1024, "memory": 2048, "min_processes": 1, "max_processes": 4}, ...}

cpu is in ECS units and memory in MiB. min != max turns on CPU target-tracking autoscaling.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError, model_validator

from orchestrator.bounded_json import SSM_VALUE_MAX_BYTES, JsonBoundsError, load_json
from orchestrator.pipeline.names import process_name_error

DEFAULT_TARGET_CPU = 70.0


def _memory_steps(low: int, high: int, step: int) -> tuple[int, ...]:
    return tuple(range(low, high + 1, step))


# Fargate's valid task sizes (ECS developer guide, "Task CPU and memory").
FARGATE_SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: _memory_steps(1024, 4096, 1024),
    1024: _memory_steps(2048, 8192, 1024),
    2048: _memory_steps(4096, 16384, 1024),
    4096: _memory_steps(8192, 30720, 1024),
    8192: _memory_steps(16384, 61440, 4096),
    16384: _memory_steps(32768, 122880, 8192),
}


def fargate_size_error(cpu: int, memory: int) -> str | None:
    """Why (cpu, memory) is not a Fargate task size, or None when it is."""
    if cpu not in FARGATE_SIZES:
        return f"cpu {cpu} is not a Fargate size (one of {', '.join(map(str, FARGATE_SIZES))})"
    allowed = FARGATE_SIZES[cpu]
    if memory not in allowed:
        steps = f"{allowed[0]}-{allowed[-1]} MiB in steps of {allowed[1] - allowed[0]}"
        return f"memory {memory} is not valid with cpu {cpu} (Fargate allows {steps})"
    return None


class ProcessScaling(BaseModel):
    """One process type's size and count."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, defer_build=True)

    cpu: int = Field(gt=0)
    memory: int = Field(gt=0)
    # 0 is routine (a worker scaled to zero, as on Heroku and AppPack): the service stays, with no task.
    min_processes: int = Field(ge=0, le=1000)
    max_processes: int = Field(ge=0, le=1000)
    target_cpu: float = Field(default=DEFAULT_TARGET_CPU, gt=0, le=100)

    @model_validator(mode="after")
    def _valid(self) -> ProcessScaling:
        error = fargate_size_error(self.cpu, self.memory)
        if error:
            raise ValueError(error)
        if self.min_processes > self.max_processes:
            raise ValueError(f"min_processes {self.min_processes} > max_processes {self.max_processes}")
        if self.min_processes == 0 and self.max_processes > 0:
            # CPU target tracking has no metric to scale out from zero tasks: it would never come back.
            raise ValueError("min_processes 0 needs max_processes 0 (scaled to zero); autoscaling starts at 1")
        return self

    @property
    def autoscaling(self) -> bool:
        return self.min_processes != self.max_processes


class ScalingSpec(RootModel[dict[str, ProcessScaling]]):
    model_config = ConfigDict(frozen=True, defer_build=True)

    @model_validator(mode="after")
    def _names(self) -> ScalingSpec:
        for name in self.root:
            error = process_name_error(name)
            if error is not None:
                raise ValueError(error)
        return self

    def for_process(self, process: str) -> ProcessScaling | None:
        return self.root.get(process)

    def to_json(self) -> dict[str, Any]:
        return {name: scaling.model_dump(mode="json") for name, scaling in sorted(self.root.items())}


class InvalidParameterError(ValueError):
    """A parameter's value is not valid; nothing was changed."""


def format_validation_error(error: ValidationError) -> str:
    parts = []
    for item in error.errors(include_url=False):
        where = ".".join(str(p) for p in item["loc"] if p != "__root__")
        message = item["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def parse_json(value: str, what: str) -> Any:
    """A JSON parameter value, bounded in size (SSM's largest value) and depth."""
    try:
        return load_json(value, what=what, max_bytes=SSM_VALUE_MAX_BYTES)
    except JsonBoundsError as error:
        raise InvalidParameterError(str(error)) from error


def parse_scaling(value: str, known_processes: Iterable[str] | None = None) -> ScalingSpec:
    """Validate a scaling value. `known_processes` is None while the app has not been deployed (any valid
    process name is accepted); otherwise every process type must be one the app runs."""
    data = parse_json(value, "scaling")
    if not isinstance(data, Mapping):
        raise InvalidParameterError(
            "scaling must be a JSON object of process type → {cpu, memory, min_processes, max_processes}"
        )
    try:
        spec = ScalingSpec.model_validate(data)
    except ValidationError as error:
        raise InvalidParameterError(f"invalid scaling: {format_validation_error(error)}") from error
    if known_processes is not None:
        known = set(known_processes)
        unknown = sorted(set(spec.root) - known)
        if unknown:
            raise InvalidParameterError(
                f"unknown process type(s) {', '.join(unknown)}; the app runs {', '.join(sorted(known)) or 'none'}"
            )
    return spec
