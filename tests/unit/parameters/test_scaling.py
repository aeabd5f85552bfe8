"""The scaling model: Fargate sizes, counts, process types, and clear errors."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestrator.parameters.scaling import FARGATE_SIZES, InvalidParameterError, fargate_size_error, parse_scaling


def value(**processes: dict[str, object]) -> str:
    return json.dumps(processes)


def web(cpu: int = 1024, memory: int = 2048, low: int = 1, high: int = 4) -> dict[str, object]:
    return {"cpu": cpu, "memory": memory, "min_processes": low, "max_processes": high}


def test_design_example_is_valid() -> None:
    spec = parse_scaling(value(web=web()), ["web"])
    scaling = spec.for_process("web")
    assert scaling is not None
    assert (scaling.cpu, scaling.memory, scaling.autoscaling) == (1024, 2048, True)
    assert spec.for_process("worker") is None


@pytest.mark.parametrize(
    ("cpu", "memory"),
    [(256, 512), (256, 2048), (512, 4096), (1024, 8192), (2048, 16384), (4096, 30720), (8192, 61440), (16384, 122880)],
)
def test_fargate_sizes_accepted(cpu: int, memory: int) -> None:
    assert fargate_size_error(cpu, memory) is None


@pytest.mark.parametrize(
    ("cpu", "memory", "fragment"),
    [
        (300, 1024, "cpu 300 is not a Fargate size"),
        (256, 4096, "memory 4096 is not valid with cpu 256"),
        (512, 1536, "memory 1536 is not valid with cpu 512"),
        (4096, 31744, "memory 31744"),
        (8192, 17408, "in steps of 4096"),
        (16384, 40000, "in steps of 8192"),
    ],
)
def test_invalid_sizes_explained(cpu: int, memory: int, fragment: str) -> None:
    with pytest.raises(InvalidParameterError, match=fragment):
        parse_scaling(value(web=web(cpu, memory)), None)


@given(st.sampled_from(sorted(FARGATE_SIZES)), st.integers(min_value=1, max_value=130_000))
def test_size_rule_matches_the_table(cpu: int, memory: int) -> None:
    assert (fargate_size_error(cpu, memory) is None) == (memory in FARGATE_SIZES[cpu])


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "must be a JSON object"),
        (value(web=web(low=0)), "min_processes"),
        (value(web=web(low=5, high=2)), "min_processes 5 > max_processes 2"),
        (value(web={**web(), "cpu": "1024"}), "cpu"),
        (value(web={**web(), "extra": 1}), "extra"),
        (value(web={"cpu": 256}), "memory"),
        (value(Web=web()), "not a valid process type"),
    ],
)
def test_invalid_values(text: str, fragment: str) -> None:
    with pytest.raises(InvalidParameterError, match=fragment):
        parse_scaling(text, None)


def test_process_types_must_be_known_once_deployed() -> None:
    with pytest.raises(InvalidParameterError, match="unknown process type\\(s\\) wrker; the app runs web, worker"):
        parse_scaling(value(wrker=web()), ["web", "worker"])
    assert parse_scaling(value(wrker=web()), None).for_process("wrker") is not None  # not deployed: accepted
