"""The test-side Go decoder follows aws-sdk-go-v2 `attributevalue` on the rules the AppPack contract relies on."""

from __future__ import annotations

import pytest

from tests.apppack_go.decoder import GoUnmarshalError, decode_item
from tests.apppack_go.structs import DeployStatusItem, ECSConfigItem, SettingsItem


def test_a_missing_attribute_is_the_zero_value() -> None:
    item, ignored = decode_item({"value": {"M": {"phase": {"S": "complete"}}}}, DeployStatusItem)
    status = item.deploy_status
    assert (status.phase, status.build_number, status.failed, status.processes) == ("complete", 0, False, None)
    assert ignored == []


@pytest.mark.parametrize(
    ("attribute", "value"),
    [("build_number", {"S": "3"}), ("failed", {"S": "true"}), ("failed", {"N": "1"}), ("last_update", {"N": "1.5"})],
)
def test_a_string_never_decodes_into_an_int_or_bool(attribute: str, value: dict[str, str]) -> None:
    with pytest.raises(GoUnmarshalError):
        decode_item({"value": {"M": {attribute: value}}}, DeployStatusItem)


def test_a_number_decodes_into_a_string_field() -> None:
    item, _ = decode_item({"value": {"M": {"processes": {"L": [{"M": {"cpu": {"N": "256"}}}]}}}}, DeployStatusItem)
    assert item.deploy_status.processes[0].cpu == "256"


def test_untagged_ecs_fields_match_case_insensitively_and_unknown_names_are_reported() -> None:
    run = {"M": {"launchType": {"S": "FARGATE"}, "lanchType": {"S": "typo"}}}
    item, ignored = decode_item({"value": {"M": {"run_task_args": run}}}, ECSConfigItem)
    assert item.ecs_config.run_task_args.launch_type == "FARGATE"
    assert ignored == ["value.run_task_args.lanchType"]


def test_a_flat_settings_item_decodes_to_empty_settings() -> None:
    # The layout before issue 11: no `value` map. Go reads it without error, and finds nothing.
    item, ignored = decode_item({"cluster": {"S": "c"}, "codebuild_project": {"S": "p"}}, SettingsItem)
    assert (item.settings.cluster.name, item.settings.codebuild_project.name) == ("", "")
    assert ignored == ["cluster", "codebuild_project"]


def test_ecs_pointer_ints_take_numbers_by_their_api_names_and_refuse_strings() -> None:
    port = {"containerPort": {"N": "8000"}, "protocol": {"S": "tcp"}}
    task = {"M": {"containerDefinitions": {"L": [{"M": {"portMappings": {"L": [{"M": port}]}}}]}}}
    item, ignored = decode_item({"value": {"M": {"task_definition_args": task}}}, ECSConfigItem)
    (mapping,) = item.ecs_config.task_definition_args.container_definitions[0].port_mappings
    assert (mapping.container_port, mapping.protocol, mapping.host_port) == (8000, "tcp", None)
    assert ignored == []
    port["containerPort"] = {"S": "8000"}  # `ContainerPort *int32`: the CLI's decode would fail here
    with pytest.raises(GoUnmarshalError, match="containerPort"):
        decode_item({"value": {"M": {"task_definition_args": task}}}, ECSConfigItem)


def test_the_pipelines_task_definition_request_is_a_go_register_task_definition_input() -> None:
    """What `task_definition_input` sends uses the SDK's names and types throughout (environment, secrets,
    tags included), so `task_definition_args` may carry any of it without the CLI dropping a field."""
    from boto3.dynamodb.types import TypeSerializer

    from orchestrator.pipeline.app_registry import EcsConfig
    from orchestrator.pipeline.taskdefs import resources_for, task_definition_input
    from tests.apppack_go.structs import RegisterTaskDefinitionInput

    ecs = EcsConfig(
        cluster="c", execution_role_arn="arn:aws:iam::123456789012:role/x", task_role_arn="arn:aws:iam::123456789012:role/t",
        log_group="/orchestrator/apps/demo", image_repository_uri="123456789012.dkr.ecr.us-east-1.amazonaws.com/demo",
    )  # fmt: skip
    request = task_definition_input(
        app="demo", process="web", command="gunicorn app", build_number=2, ecs=ecs, secrets={"A": "/x/A"},
        resources=resources_for("web", {}, ecs), region="us-east-1", build_system="dockerfile",
    )  # fmt: skip
    attributes = TypeSerializer().serialize(request)["M"]
    decoded, ignored = decode_item(attributes, RegisterTaskDefinitionInput)
    assert ignored == []
    (container,) = decoded.container_definitions
    assert [(e.name, e.value) for e in container.environment] == [("PORT", "8000")]
    assert [(s.name, s.value_from) for s in container.secrets] == [("A", "/x/A")]
    assert ("apppack:buildSystem", "dockerfile") in [(t.key, t.value) for t in decoded.tags]
    assert (decoded.cpu, container.memory, container.port_mappings[0].container_port) == ("256", 512, 8000)
