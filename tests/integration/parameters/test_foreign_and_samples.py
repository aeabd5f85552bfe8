"""Foreign names, undeclared apps, AWS's documented samples, malformed events and `events explain`."""

from __future__ import annotations

import json
from typing import Any

import pytest

from orchestrator.explain import explain_event
from orchestrator.handlers import parameters
from orchestrator.handlers.common import MalformedEventError
from orchestrator.local.ssm_events import parameter_store_change
from tests.conftest import AWS_SAMPLES, load_sample, recording_calls
from tests.integration.parameters.helpers import CONTEXT, deliver, deploy, mutating_calls, name_of, prefix, put


@pytest.mark.parametrize("sample", AWS_SAMPLES, ids=lambda p: p.name)
def test_every_documented_sample_is_acknowledged(app: str, sample: Any) -> None:
    with recording_calls() as calls:
        result = parameters.handler(json.loads(sample.read_text()), CONTEXT)  # type: ignore[arg-type]
    assert result["status"] in {"ignored", "not managed"}
    assert mutating_calls(calls) == {}


@pytest.mark.parametrize(
    "name",
    [
        "/other-prefix/apps/demo/scaling",
        "/{prefix}/apps/demo/something-else",
        "/{prefix}/apps/stranger/scaling",  # an app no stack declared
        "/{prefix}/apps/demo/config",
        "/{prefix}/unrelated",
    ],
)
def test_foreign_names_are_acknowledged_and_change_nothing(app: str, name: str) -> None:
    deploy(app)
    full = name.format(prefix=prefix())
    with recording_calls() as calls:
        [result] = deliver(put(full, '{"web": {"cpu": 256, "memory": 512, "min_processes": 9, "max_processes": 9}}'))
    assert result["status"] in {"ignored", "not managed"}
    assert mutating_calls(calls) == {}


def test_a_rejected_write_is_acknowledged(app: str) -> None:
    event = load_sample("ssm_parameter_store_change_create_ami_validation_error.json")
    event["detail"]["name"] = name_of(app, "scaling")
    [result] = deliver(event)
    assert result["status"] == "ignored"
    assert "rejected by Parameter Store" in result["message"]


def test_malformed_event_raises(app: str) -> None:
    event = parameter_store_change(name_of(app, "scaling"))
    event["detail"]["operation"] = "Explode"
    with pytest.raises(MalformedEventError):
        parameters.handler(event, CONTEXT)  # type: ignore[arg-type]


def test_events_explain_names_the_parameter_and_the_app(app: str) -> None:
    deploy(app)
    summary = explain_event(parameter_store_change(name_of(app, "scaling"))).summary
    assert "scaling of app 'demo'" in summary
    assert "demo-web" in summary
    foreign = explain_event(parameter_store_change(f"/{prefix()}/apps/demo/other")).summary
    assert "not managed" in foreign
    review = explain_event(parameter_store_change(f"/{prefix()}/pipelines/pipe/review-apps/pr/2/scheduled-tasks"))
    assert "not managed" in review.summary  # pipeline `pipe` is not declared here
