"""Issue 11 (AppPack): the items a real emulator pipeline run writes, decoded as AppPack's Go CLI decodes them
(`tests/apppack_go`: aws-sdk-go-v2 `attributevalue` into the structs of `app/app.go` and `app/builds.go`).

Items are read with the low-level DynamoDB API, from the table the CLI hard-codes (`apppack`), so the decoder
sees the AttributeValues the Go SDK receives.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from orchestrator.settings import get_settings
from tests.apppack_go.decoder import decode_item
from tests.apppack_go.structs import BuildStatus, DeployStatusItem, ECSConfigItem, SettingsItem
from tests.e2e.conftest import as_json, cli, emulator_env


def _item(env: dict[str, str], pk: str, sk: str) -> dict[str, Any]:
    dynamodb = boto3.client("dynamodb", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1")
    found = dynamodb.get_item(TableName="apppack", Key={"primary_id": {"S": pk}, "secondary_id": {"S": sk}})
    assert "Item" in found, f"no item {pk} / {sk}"
    return dict(found["Item"])


def _decoded(env: dict[str, str], pk: str, sk: str, struct: type[Any]) -> Any:
    value, ignored = decode_item(_item(env, pk, sk), struct)
    # Attributes beside `value` are the orchestrator's own; inside it, a name the CLI has no field for is lost.
    lost = [path for path in ignored if path.startswith("value.")] if struct is not BuildStatus else []
    assert lost == [], f"{sk}: the CLI ignores {lost}"
    return value


def _eventually(read: Callable[[], Any], wanted: Callable[[Any], bool]) -> Any:
    """The emulator applies a parameter change asynchronously: read until it shows (bounded by attempts)."""
    for _ in range(240):
        value = read()
        if wanted(value):
            return value
        time.sleep(0.25)
    return value


@pytest.fixture(scope="module")
def deployed(emulator: dict[str, str]) -> dict[str, str]:
    env = emulator_env(emulator)
    started = as_json(cli("build", "start", "-a", "shop", "--json", env=env))
    watched = cli("build", "watch", str(started["build_number"]), "-a", "shop", "--interval", "0.5", "--json", env=env)
    assert watched.returncode == 0, watched.stderr
    assert as_json(watched)["deploy"]["state"] == "succeeded"
    return {**env, "build_number": str(started["build_number"])}


def test_settings_decode_into_apppack_settings(deployed: dict[str, str]) -> None:
    item = _decoded(deployed, "APP#shop", "settings", SettingsItem)
    settings = item.settings
    assert settings.cluster.name == get_settings().cluster_name
    assert settings.codebuild_project.name
    assert settings.log_group.name
    assert settings.shell.task_family == "shop-shell"
    assert settings.shell.command


def test_ecs_config_decodes_into_the_ecs_input_types(deployed: dict[str, str]) -> None:
    config = _decoded(deployed, "APP#shop", "CONFIG#ecs", ECSConfigItem).ecs_config
    # `IsFargate()` reads RunTaskArgs.LaunchType; `StartTask` runs RunTaskArgs(Fargate) as they are.
    assert config.run_task_args.launch_type == "FARGATE"
    assert config.run_task_args.cluster == get_settings().cluster_name
    assert config.run_task_args_fargate.network_configuration.awsvpc_configuration.assign_public_ip
    containers = config.task_definition_args.container_definitions
    assert containers
    assert containers[0].name
    assert containers[0].image
    assert config.task_definition_args.cpu
    assert config.task_definition_args.memory


def test_deploystatus_and_build_decode_with_the_clis_types(deployed: dict[str, str]) -> None:
    number = int(deployed["build_number"])
    status = _decoded(deployed, "APP#shop", "DEPLOYSTATUS", DeployStatusItem).deploy_status
    assert (status.phase, status.failed, status.build_number) == ("complete", False, number)
    assert status.build_id
    assert status.commit
    assert status.last_update > 0
    assert {p.name for p in status.processes} == {"web", "worker"}
    assert all(p.cpu.isdigit() and p.memory.isdigit() and p.max_processes >= p.min_processes for p in status.processes)
    build = _decoded(deployed, "APP#shop", f"BUILD#{number:010d}", BuildStatus)
    assert (build.app, build.build_number) == ("shop", number)
    assert build.build.state == build.deploy.state == "succeeded"
    assert build.deploy.start > 0
    assert build.deploy.end >= build.deploy.start


def _process(env: dict[str, str], name: str) -> Any:
    status = _decoded(env, "APP#shop", "DEPLOYSTATUS", DeployStatusItem).deploy_status
    return next(p for p in status.processes if p.name == name)


def test_deploystatus_follows_ps_scale_and_resize(deployed: dict[str, str]) -> None:
    scaled = cli("ps", "scale", "web", "1-2", "-a", "shop", env=emulator_env(deployed))
    assert scaled.returncode == 0, scaled.stderr
    web = _eventually(lambda: _process(deployed, "web"), lambda p: p.max_processes == 2)
    assert (web.min_processes, web.max_processes) == (1, 2)

    resized = cli("ps", "resize", "web", "--cpu", "1", "--memory", "2G", "-a", "shop", env=emulator_env(deployed))
    assert resized.returncode == 0, resized.stderr
    web = _eventually(lambda: _process(deployed, "web"), lambda p: p.cpu == "1024")
    assert (web.cpu, web.memory, web.min_processes, web.max_processes) == ("1024", "2048", 1, 2)
    # The CLI's own view agrees.
    shown = as_json(cli("ps", "-a", "shop", "--json", env=emulator_env(deployed)))
    web_shown = next(p for p in shown["deploystatus"]["processes"] if p["name"] == "web")
    assert (web_shown["cpu"], web_shown["max_processes"]) == ("1024", 2)


def _s3_text(env: dict[str, str], url: str) -> str:
    bucket, _, key = url.removeprefix("s3://").partition("/")  # as `S3FromURL` splits it
    s3 = boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1")
    return str(s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode())


def test_log_pointers_and_commit_txt_are_where_the_cli_reads_them(deployed: dict[str, str]) -> None:
    number = int(deployed["build_number"])
    build = _decoded(deployed, "APP#shop", f"BUILD#{number:010d}", BuildStatus)
    for name in ("build", "test", "finalize", "release", "postdeploy", "deploy"):
        logs = getattr(build, name).logs
        # `StreamEvents` splits a non-s3 pointer at `#` and indexes [1]: anything else panics.
        assert logs == "" or logs.startswith("s3://") or (logs.startswith("cloudwatch://") and "#" in logs), logs
    assert build.build.logs.startswith("s3://")
    assert "BUILDING" in _s3_text(deployed, build.build.logs)
    assert _s3_text(deployed, build.test.logs)
    # `GetCommitLog`: the build pointer with its last part replaced by commit.txt; `git log -n1` output.
    commit_url = "/".join([*build.build.logs.split("/")[:-1], "commit.txt"])
    assert _s3_text(deployed, commit_url).splitlines()[0] == f"commit {build.commit}"
    if build.release.state:
        assert build.release.logs.startswith("cloudwatch://")


def test_the_shell_family_is_registered_with_the_release(deployed: dict[str, str]) -> None:
    """Item 5: `shell`/`ps exec` call `TaskDefinition("shell")`: DescribeTaskDefinition of `<app>-shell` (with
    tags), then RunTask with CONFIG#ecs `run_task_args`; settings' `shell.task_family` names the same family."""
    ecs = boto3.client("ecs", endpoint_url=deployed["AWS_ENDPOINT_URL"], region_name="us-east-1")
    settings = _decoded(deployed, "APP#shop", "settings", SettingsItem).settings
    found = ecs.describe_task_definition(taskDefinition=settings.shell.task_family, include=["TAGS"])
    assert found["taskDefinition"]["family"] == "shop-shell"
    tags = {t["key"]: t["value"] for t in found["tags"]}
    assert tags["apppack:appName"] == "shop"
    assert tags["apppack:buildNumber"] == deployed["build_number"]
    assert tags["apppack:buildSystem"] == "buildpacks"  # IsBuildpack; the demo app has no `[build] system`
    services = ecs.list_services(cluster=get_settings().cluster_name)["serviceArns"]
    assert not [s for s in services if s.endswith("/shop-shell")]  # a task family, never a service


def test_settings_stack_id_names_the_stack_as_apppack_does(deployed: dict[str, str]) -> None:
    """Item 6: `app.Pipeline = strings.Contains(StackID, "/apppack-pipeline-<name>/")`; an app is not one."""
    stack_id = _decoded(deployed, "APP#shop", "settings", SettingsItem).settings.stack_id
    assert "/apppack-app-shop/" in stack_id
    assert "/apppack-pipeline-shop/" not in stack_id


def test_the_build_project_is_what_apppacks_actions_read(deployed: dict[str, str]) -> None:
    """Item 7: metadata/upload-artifacts/deploy/build actions: BatchGetProjects(names=[<appname>]), then
    `DOCKER_REPO`, `PIPELINE`, `artifacts.location` and the buildspec's `artifacts.files`."""
    import json

    codebuild = boto3.client("codebuild", endpoint_url=deployed["AWS_ENDPOINT_URL"], region_name="us-east-1")
    (project,) = codebuild.batch_get_projects(names=["shop"])["projects"]
    env = {v["name"]: v["value"] for v in project["environment"]["environmentVariables"]}
    config = _decoded(deployed, "APP#shop", "CONFIG#ecs", ECSConfigItem).ecs_config
    assert env["DOCKER_REPO"] == config.task_definition_args.container_definitions[0].image
    assert (env["APPNAME"], env["PIPELINE"], env["ARTIFACT_BUCKET"]) == ("shop", "0", get_settings().artifacts_bucket)
    assert project["artifacts"]["location"] == get_settings().artifacts_bucket
    files = json.loads(project["source"]["buildspec"])["artifacts"]["files"]  # js-yaml `load` reads JSON too
    number = int(deployed["build_number"])
    for name in files:  # every file the actions upload is one the builds leave, under <app>/<N>/
        assert _s3_text(deployed, f"s3://{get_settings().artifacts_bucket}/shop/{number}/{name}") is not None
