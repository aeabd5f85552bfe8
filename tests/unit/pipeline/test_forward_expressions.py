"""The forward-only writes' expressions: built once per shape, and every placeholder defined and used once
(DynamoDB refuses a request with an undefined or an unused placeholder)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from orchestrator.adapters.expressions import ForwardWrite
from orchestrator.events.codebuild import BuildPhaseChangeEvent, BuildStateChangeEvent
from orchestrator.local.aws_events import codebuild_build_events
from orchestrator.pipeline.build_forward import forward_update
from orchestrator.pipeline.builds import BuildObservation, observe
from orchestrator.pipeline.records import ServiceDeployment
from orchestrator.pipeline.service_forward import service_forward_update

START = datetime(2026, 11, 1, tzinfo=UTC)


def observations(build_number: int, fail_phase: str | None = None) -> list[BuildObservation]:
    events = codebuild_build_events(
        project="demo-build", build_uuid=f"u{build_number}", build_number=build_number, commit="abc", start=START,
        fail_phase=fail_phase,
    )  # fmt: skip
    models = {"CodeBuild Build State Change": BuildStateChangeEvent, "CodeBuild Build Phase Change": BuildPhaseChangeEvent}
    return [observe(models[e["detail-type"]].model_validate(e)) for e in events]


def assert_placeholders_match(write: ForwardWrite) -> None:
    text = f"{write.text.update} {write.text.condition}"
    assert set(re.findall(r"#\w+", text)) == set(write.text.names)
    assert set(re.findall(r":\w+", text)) == set(write.values)


def test_every_codebuild_event_defines_and_uses_each_placeholder() -> None:
    for obs in observations(1) + observations(2, fail_phase="BUILD"):
        assert_placeholders_match(forward_update(obs))


def test_events_of_the_same_shape_share_one_expression_text() -> None:
    first, second = observations(1), observations(2)
    for a, b in zip(first, second, strict=True):
        assert forward_update(a).text is forward_update(b).text
        assert forward_update(a).values != forward_update(b).values or a.phases == b.phases


def test_a_phase_change_names_each_attribute_once() -> None:
    install = next(o for o in observations(1) if "INSTALL" in o.phases and o.status is None)
    write = forward_update(install)
    assert len(write.text.names) == len(install.phases) + 4  # project, ARN, commit, the phases map
    assert write.text.condition.count("#phases.#p") == 3 * len(install.phases)


def test_every_deployment_event_defines_and_uses_each_placeholder() -> None:
    for state in ("IN_PROGRESS", "COMPLETED", "FAILED"):
        for reasons in ([], ["circuit breaker rolled back"]):
            for updated in (None, 1_793_534_400):
                update = ServiceDeployment(
                    service_name="demo-web", service_arn="arn:service", deployment_id="ecs-svc/1", state=state,
                    reasons=reasons, updated=updated,
                )  # fmt: skip
                assert_placeholders_match(service_forward_update("web", update))
