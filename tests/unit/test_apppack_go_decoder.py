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
