"""Per-app resources: ECR, CodeBuild, log group, roles, and the DynamoDB items written at deploy time."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Match

from infra.app_stack import to_dynamodb_json
from infra.buildspec import buildspec
from orchestrator.pipeline import keys
from tests.infra.conftest import Synth, render

STACK = "OrchestratorApp-shop"


def placeholder(value: Any) -> str:
    """An intrinsic inside a JSON string, as a JSON-safe marker (used to parse custom-resource calls)."""
    return "@" + render(value).strip("<>").replace('"', "'")


def sdk_call(value: Any) -> dict[str, Any]:
    """AwsCustomResource stores its SDK call as a JSON string joined with intrinsics."""
    if isinstance(value, str):
        parsed: dict[str, Any] = json.loads(value)
        return parsed
    separator, parts = value["Fn::Join"]
    text = separator.join(p if isinstance(p, str) else placeholder(p) for p in parts)
    joined: dict[str, Any] = json.loads(text)
    return joined


def test_one_stack_per_declared_app(synth: Synth) -> None:
    assert set(synth.stacks.apps) == {"shop", "review"}
    assert {"OrchestratorApp-shop", "OrchestratorApp-review"} <= set(synth.templates)


def test_repository_scans_on_push(synth: Synth) -> None:
    synth.template(STACK).has_resource_properties(
        "AWS::ECR::Repository",
        {
            "RepositoryName": "orchestrator/shop",
            "ImageScanningConfiguration": {"ScanOnPush": True},
            "ImageTagMutability": "IMMUTABLE",  # a deployed build-<N> cannot be replaced
        },
    )


def test_codebuild_project(synth: Synth) -> None:
    (project,) = synth.resources(STACK, "AWS::CodeBuild::Project").values()
    props = project["Properties"]
    assert props["Name"] == "shop"  # AppPack's actions: BatchGetProjects(names=[<appname>])
    assert props["Environment"]["PrivilegedMode"] is True
    env = {v["Name"]: v["Value"] for v in props["Environment"]["EnvironmentVariables"]}
    assert (env["APPNAME"], env["PIPELINE"]) == ("shop", "0")
    assert render(env["ARTIFACT_BUCKET"]) == "orchestrator-artifacts-<AWS::AccountId>-<AWS::Region>"
    assert "Fn::GetAtt" in json.dumps(env["DOCKER_REPO"]) or "Fn::Join" in json.dumps(env["DOCKER_REPO"])
    # metadata/upload-artifacts/deploy actions read `artifacts.location` and the buildspec's `artifacts.files`.
    artifacts = props["Artifacts"]
    assert (artifacts["Type"], artifacts["Path"], artifacts["Packaging"]) == ("S3", "shop", "NONE")
    assert artifacts["OverrideArtifactName"] is True
    assert render(artifacts["Location"]) == render(env["ARTIFACT_BUCKET"])
    assert json.loads(props["Source"]["BuildSpec"])["artifacts"] == {
        "files": ["build.log", "test.log", "apppack.toml", "commit.txt", "metadata.toml"],
        "name": "$CODEBUILD_BUILD_NUMBER",
    }
    assert props["Source"]["Type"] == "GITHUB"
    assert props["Source"]["Location"] == "https://github.com/acme/shop.git"
    assert json.loads(props["Source"]["BuildSpec"]) == buildspec()
    spec = json.dumps(buildspec())
    for needle in (
        "pack build",
        "heroku/builder:24",
        "docker build",
        "build-$CODEBUILD_BUILD_NUMBER",
        "build.log test.log apppack.toml commit.txt metadata.toml",
        "s3://$ARTIFACT_BUCKET/$APPNAME/$CODEBUILD_BUILD_NUMBER",
        "release_command",
    ):
        assert needle in spec, needle
    assert props["Triggers"]["Webhook"] is True


def test_pipeline_without_repository_builds_an_s3_source_on_pull_requests_too(synth: Synth) -> None:
    (project,) = synth.resources("OrchestratorApp-review", "AWS::CodeBuild::Project").values()
    assert project["Properties"]["Source"]["Type"] == "S3"
    assert render(project["Properties"]["Source"]["Location"]).endswith("/sources/review.zip")


def test_task_log_group(synth: Synth) -> None:
    synth.template(STACK).has_resource_properties(
        "AWS::Logs::LogGroup", {"LogGroupName": "/orchestrator/apps/shop", "RetentionInDays": Match.any_value()}
    )


def test_task_roles_live_under_the_app_path(synth: Synth) -> None:
    roles = synth.resources(STACK, "AWS::IAM::Role")
    for prefix in ("ExecutionRole", "TaskRole"):
        (role,) = [r["Properties"] for k, r in roles.items() if k.startswith(prefix)]
        assert role["Path"] == "/orchestrator/apps/shop/"
        assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}


def test_items_are_written_with_put_item_in_dynamodb_json(synth: Synth) -> None:
    stack = synth.stacks.apps["shop"]
    expected = {(i["primary_id"], i["secondary_id"]): i for i in stack.items}
    assert set(expected) == {
        (keys.app_pk("shop"), keys.SETTINGS_SK),
        (keys.app_pk("shop"), keys.CONFIG_ECS_SK),
        (keys.codebuild_project_pk("shop"), keys.LOOKUP_SK),
        (keys.APPS_PK, keys.app_index_sk("shop")),
    }
    resources = synth.resources(STACK, "Custom::AWS")
    assert len(resources) == len(expected)
    written = {}
    for resource in resources.values():
        create = sdk_call(resource["Properties"]["Create"])
        assert create["service"] == "DynamoDB"
        assert create["action"] == "putItem"
        assert create["parameters"]["TableName"].startswith("@import:Orchestrator:")
        item = create["parameters"]["Item"]
        key = (item["primary_id"]["S"], item["secondary_id"]["S"])
        written[key] = item
        assert sdk_call(resource["Properties"]["Update"]) == create
        delete = sdk_call(resource["Properties"]["Delete"])
        assert delete["action"] == "deleteItem"
        assert delete["parameters"]["Key"] == {"primary_id": item["primary_id"], "secondary_id": item["secondary_id"]}
    assert set(written) == set(expected)
    for key, item in expected.items():
        serialized = to_dynamodb_json(item)
        assert set(written[key]) == set(serialized)
        # Literal values are written as declared; values only known at deploy time are intrinsics.
        for attribute, value in serialized.items():
            if "${Token" not in json.dumps(value):
                assert written[key][attribute] == value, attribute


def test_config_item_points_at_this_apps_resources(synth: Synth) -> None:
    for resource in synth.resources(STACK, "Custom::AWS").values():
        item = sdk_call(resource["Properties"]["Create"])["parameters"]["Item"]
        if item["secondary_id"]["S"] != keys.CONFIG_ECS_SK:
            continue
        value = item["value"]["M"]
        run = value["run_task_args"]["M"]
        task = value["task_definition_args"]["M"]
        container = task["containerDefinitions"]["L"][0]["M"]
        network = run["networkConfiguration"]["M"]["awsvpcConfiguration"]["M"]
        assert run["cluster"] == {"S": "orchestrator"}
        assert task["executionRoleArn"]["S"].startswith("@ExecutionRole")
        assert task["taskRoleArn"]["S"].startswith("@TaskRole")
        assert container["logConfiguration"]["M"]["options"]["M"]["awslogs-group"]["S"].startswith("@TaskLogs")
        assert network["assignPublicIp"] == {"S": "ENABLED"}  # natGateways=0: public subnets
        assert [s["S"].startswith("@import:OrchestratorNetwork:") for s in network["subnets"]["L"]] == [True, True]
        return
    raise AssertionError("no CONFIG#ecs item")


def test_lookup_item_maps_the_project_to_the_app(synth: Synth) -> None:
    items = [
        sdk_call(r["Properties"]["Create"])["parameters"]["Item"]
        for r in synth.resources("OrchestratorApp-review", "Custom::AWS").values()
    ]
    (lookup,) = [i for i in items if i["secondary_id"]["S"] == keys.LOOKUP_SK]
    assert lookup == {
        "primary_id": {"S": "CODEBUILD#review"},
        "secondary_id": {"S": "lookup"},
        "app": {"S": "review"},
        "kind": {"S": "pipeline"},
    }


def test_app_grants_are_attached_to_the_orchestrator_roles(synth: Synth) -> None:
    attached = [
        render(role)
        for policy in synth.resources(STACK, "AWS::IAM::Policy").values()
        for role in policy["Properties"]["Roles"]
    ]
    assert any("ContainerHandlerRole" in r for r in attached)
    assert any("ScheduledTaskRole" in r for r in attached)


def test_stacks_are_named_as_apppack_names_them_and_settings_carry_the_stack_id(synth: Synth) -> None:
    """AppPack's CLI tells a pipeline by `/apppack-pipeline-<name>/` in settings' `stack_id` (app/app.go)."""
    assert synth.stacks.apps["shop"].stack_name == "apppack-app-shop"
    assert synth.stacks.apps["review"].stack_name == "apppack-pipeline-review"
    review = synth.stacks.apps["review"]
    settings = next(i for i in review.items if i["secondary_id"] == "settings")
    assert settings["value"]["stack_id"] == review.stack_id  # AWS::StackId: arn:...:stack/<stack name>/<uuid>
    (project,) = synth.resources("OrchestratorApp-review", "AWS::CodeBuild::Project").values()
    env = {v["Name"]: v["Value"] for v in project["Properties"]["Environment"]["EnvironmentVariables"]}
    assert env["PIPELINE"] == "1"  # the builder's `Pipeline: os.Getenv("PIPELINE") == "1"`
