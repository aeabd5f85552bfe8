"""The session's synthesized templates, deployed into moto's CloudFormation as `cdk deploy` would deploy
them (orchestrator/local/stack_deploy.py): assets published, every stack CREATE_COMPLETE, and what the
stand-ins stand for really done (the app items written, the build projects created, the bundle bucket's
EventBridge delivery turned on). Then the emulator runs on them (orchestrator/local/stack_resources.py):
the happy path on what CloudFormation created, and `orchestrator demo --stacks`."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.buildspec import buildspec
from orchestrator.adapters.clients import client
from orchestrator.cli.main import main
from orchestrator.local.emulator import Emulator
from orchestrator.local.scenarios import ScenarioRunner, load_scenario
from orchestrator.local.server import MotoServer, ensure_local_credentials
from orchestrator.local.stack_deploy import (
    UnsupportedResourceError,
    deploy_cloud_assembly,
    moto_resource_types,
    prepare,
)
from orchestrator.local.stack_resources import StackResources, repoint_route_rules
from orchestrator.settings import configure, get_settings
from tests.conftest import reset_process_state
from tests.infra.conftest import APPS, SSM_PREFIX, Synth

pytestmark = pytest.mark.slow
ACCOUNT, REGION = "123456789012", "us-east-1"


@pytest.fixture(scope="module")
def deployed(synth: Synth) -> Iterator[dict[str, dict[str, str]]]:
    ensure_local_credentials()
    server = MotoServer.for_process()
    endpoint = server.start()
    server.reset()
    configure(endpoint_url=endpoint, region=REGION)
    try:
        yield deploy_cloud_assembly(synth.outdir, ACCOUNT, REGION)
    finally:
        server.reset()
        reset_process_state()


def stack_names(synth: Synth) -> list[str]:
    """The names CloudFormation knows the stacks by: an app stack is `apppack-app-<name>` / `apppack-pipeline-<name>`."""
    stacks = synth.stacks
    return [stacks.network.stack_name, stacks.orchestrator.stack_name, *(a.stack_name for a in stacks.apps.values())]


def test_every_stack_is_created(deployed: dict[str, dict[str, str]], synth: Synth) -> None:
    assert sorted(deployed) == sorted(synth.templates)
    stacks = client("cloudformation").describe_stacks()["Stacks"]
    assert {s["StackName"]: s["StackStatus"] for s in stacks} == dict.fromkeys(stack_names(synth), "CREATE_COMPLETE")


def test_the_handlers_exist_with_the_published_asset(deployed: dict[str, dict[str, str]]) -> None:
    function = client("lambda").get_function(FunctionName="orchestrator-codebuild")["Configuration"]
    assert function["Runtime"] == "python3.12"
    assert function["Handler"].startswith("orchestrator.handlers.")


def test_the_stand_ins_did_what_the_custom_resources_do(deployed: dict[str, dict[str, str]]) -> None:
    table = deployed["Orchestrator"]["TableName"]
    for app in APPS:
        item = client("dynamodb").get_item(
            TableName=table, Key={"primary_id": {"S": f"APP#{app['name']}"}, "secondary_id": {"S": "settings"}}
        )
        assert "Item" in item, app  # written by the app stack's Custom::AWS PutItem
    project = client("codebuild").batch_get_projects(names=["shop"])["projects"][0]
    assert json.loads(project["source"]["buildspec"]) == buildspec()
    # EventBridge delivery is on: an upload reaches a rule (moto's GetBucketNotification does not show it).
    bucket = deployed["Orchestrator"]["BundleBucket"]
    queue = client("sqs").create_queue(QueueName="bundle-events")["QueueUrl"]
    queue_arn = client("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    client("events").put_rule(Name="probe", EventPattern=json.dumps({"source": ["aws.s3"], "detail": {"bucket": {"name": [bucket]}}}))
    client("events").put_targets(Rule="probe", Targets=[{"Id": "q", "Arn": queue_arn}])
    # The stack's SSL-only policy is applied; requests are evaluated as over TLS (moto_patches), so it allows them.
    statements = json.loads(client("s3").get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
    assert {"Bool": {"aws:SecureTransport": "false"}} in [s.get("Condition") for s in statements if s["Effect"] == "Deny"]
    client("s3").put_object(Bucket=bucket, Key="bundles/probe.zip", Body=b"zip")
    messages = client("sqs").receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    assert [json.loads(m["Body"])["detail"]["object"]["key"] for m in messages] == ["bundles/probe.zip"]


def test_a_resource_type_nothing_covers_fails_by_name() -> None:
    template = {"Resources": {"Thing": {"Type": "AWS::Made::Up"}, "Queue": {"Type": "AWS::SQS::Queue"}}}
    with pytest.raises(UnsupportedResourceError, match=r"Thing \(AWS::Made::Up\)"):
        prepare(template, moto_resource_types())


def test_reading_an_attribute_no_stand_in_provides_fails_by_name() -> None:
    template = {"Resources": {
        "Alarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {}},
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": {"Fn::GetAtt": ["Alarm", "Arn"]}}},
    }}  # fmt: skip
    with pytest.raises(UnsupportedResourceError, match=r"Topic reads Arn of Alarm \(AWS::CloudWatch::Alarm\)"):
        prepare(template, moto_resource_types())


def test_the_happy_path_runs_on_what_cloudformation_created(
    deployed: dict[str, dict[str, str]], synth: Synth
) -> None:
    """The emulator adopts the deployed stacks (StackResources): settings from the route functions'
    environment, the stacks' rules re-pointed to the dispatcher's queues, the app as its stack declared it.
    A push to the stack's CodeBuild project then ends as the emulator's own happy path ends."""
    endpoint = MotoServer.for_process().endpoint_url
    outputs = deployed["Orchestrator"]
    try:
        with Emulator(resources=StackResources()) as emulator:
            settings = get_settings()
            runner = ScenarioRunner(load_scenario("happy-path"), emulator)
            result = runner.run()
            adopted_again = repoint_route_rules(settings)  # idempotent: the rules already aim at the queues
            routed = {
                rule["Name"]: [t["Arn"] for t in client("events").list_targets_by_rule(Rule=rule["Name"])["Targets"]]
                for rule in client("events").list_rules()["Rules"]
            }
            artifacts = client("s3").list_objects_v2(Bucket=outputs["ArtifactsBucket"], Prefix="shop/1/")
            images = client("ecr").list_images(repositoryName="orchestrator/shop")["imageIds"]
    finally:
        configure(endpoint_url=endpoint, region=REGION)  # the module's other tests still talk to this moto

    assert result.passed, result.failures
    assert emulator.routing is not None
    assert adopted_again.queues == emulator.routing.queues
    assert (settings.table_name, settings.artifacts_bucket, settings.bundle_bucket, settings.cluster_name,
            settings.dlq_url, settings.ssm_prefix) == (
        outputs["TableName"], outputs["ArtifactsBucket"], outputs["BundleBucket"], outputs["ClusterName"],
        outputs["DeadLetterQueueUrl"], SSM_PREFIX)  # fmt: skip
    assert runner.declaration is not None
    assert runner.declaration.codebuild_project == "shop"
    assert result.builds[0]["codebuild_project"] == "shop"
    # The events went through the stacks' own rules (CloudFormation named them), now aimed at the queues.
    stack_rules = {name: arns for name, arns in routed.items() if name.startswith("Orchestrator-")}
    # ... and the orchestrator's own events into the log group `events tail` reads (infra/constructs/notifications.py)
    archived = {name: stack_rules.pop(name) for name in list(stack_rules) if "Archive" in name}
    assert [arn.split(":log-group:")[-1] for arns in archived.values() for arn in arns] == ["/orchestrator/published-events"]
    # The certificates route's schedule rule still targets its function: moto runs no schedule.
    schedules = {name: stack_rules.pop(name) for name in list(stack_rules) if "Schedule" in name}
    assert [arn.rsplit(":", 1)[-1] for arns in schedules.values() for arn in arns] == ["orchestrator-certificates"]
    queues = {r.queue_url.rsplit("/", 1)[-1] for r in emulator.routing.queues}
    assert len(stack_rules) == len(queues) == 6
    assert sorted(arn.rsplit(":", 1)[-1] for arns in stack_rules.values() for arn in arns) == sorted(queues)
    assert {o["Key"].rsplit("/", 1)[-1] for o in artifacts.get("Contents", [])} >= {"apppack.toml", "commit.txt"}
    assert [i["imageTag"] for i in images] == ["build-1"]


def _orchestrator(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    """The CLI in this process (its moto server is this module's)."""
    monkeypatch.setattr(sys, "argv", ["orchestrator", *args])
    try:
        main()  # returns on success, exits otherwise
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


def test_demo_refuses_what_is_not_a_cloud_assembly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _orchestrator(monkeypatch, "demo", "--stacks", str(tmp_path)) == 2
    error = capsys.readouterr().err
    assert "is not a synthesized cloud assembly" in error
    assert len(error.strip().splitlines()) == 1


def test_demo_deploys_the_stacks_and_runs_on_them(
    deployed: dict[str, dict[str, str]], synth: Synth, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """`orchestrator demo --stacks CDK_OUT`: a fresh embedded AWS, the cloud assembly deployed into it, the
    demo's push on the stack's project, deployed. (Last in the module: it deploys the stacks afresh.)"""
    endpoint = MotoServer.for_process().endpoint_url
    try:
        code = _orchestrator(monkeypatch, "demo", "--stacks", str(synth.outdir), "-a", "shop", "--json")
    finally:
        configure(endpoint_url=endpoint, region=REGION)
    output = capsys.readouterr()
    assert code == 0, output.err[-2000:]
    result = json.loads(output.out)
    assert result["outcome"] == "deployed"
    assert result["dead_letters"] == []
    assert result["build"]["codebuild_project"] == "shop"
    assert result["build"]["build_number"] == 1  # a fresh account: the happy path's build above is gone
    stacks = client("cloudformation").describe_stacks()["Stacks"]
    assert {s["StackName"]: s["StackStatus"] for s in stacks} == dict.fromkeys(stack_names(synth), "CREATE_COMPLETE")
