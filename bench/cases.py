"""Which handlers exist, and the representative managed event of each, with the floor of its job.

Handlers are discovered from `orchestrator.events.patterns.event_routes` (the same list the stack and the
emulator read). A handler whose module does not import yet is skipped with the import error as its note.

A case says, for one handler:
- `setup`: what the account must hold once (an app declared, services created...), not measured;
- `prepare(world, i)`: builds the i-th event, distinct from every other (its own id and its own build),
  after any unmeasured events that must come first, so the measured event does real work;
- `bare(world, i)`: the bare boto3 calls that the handler's job needs at minimum, on the same moto table,
  measured as the floor;
- `bare_duplicate(world, i)`: the floor of recognising a redelivery (one read of one item).
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

from bench.container import (
    CONFIG_VARS,
    PROCESSES,
    build_to_release,
    codebuild_events,
    declare_container_app,
    deliver,
    deploy_fully,
    deployment_done,
    deployment_in_progress,
    network,
)
from bench.world import World, declare_apps
from orchestrator.adapters.clients import client
from orchestrator.bundles.build import build_bundle
from orchestrator.events.patterns import (
    BUNDLE_HANDLER,
    CODEBUILD_HANDLER,
    ECS_DEPLOYMENT_HANDLER,
    ECS_TASK_HANDLER,
    PARAMETER_HANDLER,
    event_routes,
)
from orchestrator.local.aws_events import CODEBUILD_PHASES
from orchestrator.local.s3_events import object_created
from orchestrator.local.ssm_events import config_change
from orchestrator.pipeline import keys
from orchestrator.settings import configure, get_settings

BENCH_APP = "bench"
FLOOR_PK = "APP#bench-floor"  # the floor's own items, next to the handler's in the same table
Event = dict[str, Any]


@dataclass(frozen=True)
class HandlerCase:
    handler_path: str
    event: str  # the representative event, in words
    floor: str  # the floor, in words
    floor_calls: int  # how many bare calls the floor makes
    setup: Callable[[World], None]
    prepare: Callable[[World, int], Event]
    bare: Callable[[World, int], None]
    duplicate_floor: str = "1 GetItem"
    measured: int | None = None  # fewer iterations for a case whose `prepare` runs a whole build
    scale: bool = False  # also measured by figure 4 (the events whose cost could grow with the table)

    def bare_duplicate(self, world: World, i: int) -> None:
        client("dynamodb").get_item(
            TableName=world.settings.table_name,
            Key={"primary_id": {"S": FLOOR_PK}, "secondary_id": {"S": f"DUP#{i:010d}"}},
            ConsistentRead=True,
        )


@dataclass(frozen=True)
class Discovered:
    route: str
    handler_path: str
    importable: bool
    note: str = ""


def discover_handlers() -> list[Discovered]:
    settings = get_settings()
    found: list[Discovered] = []
    for route in event_routes(ssm_prefix=settings.ssm_prefix, bundle_bucket=settings.bundle_bucket):
        module, _, attribute = route.handler.rpartition(".")
        try:
            imported = import_module(module)
        except Exception as error:  # a handler still being written: skip it, say why
            found.append(Discovered(route.name, route.handler, False, f"does not import yet: {error!r}"[:200]))
            continue
        if not callable(getattr(imported, attribute, None)):
            found.append(Discovered(route.name, route.handler, False, f"{module} has no `{attribute}` yet"))
            continue
        found.append(Discovered(route.name, route.handler, True))
    return found


# --- CodeBuild: a Build Phase Change (INSTALL succeeded) for a build whose IN_PROGRESS is recorded --------
# A phase change that only records. The BUILD phase change also ends the build stage and publishes
# `build succeeded` (orchestrator/notifications): the pipeline figure counts that one event by event.


def build_number(world: World, i: int) -> int:
    """Build numbers of measured events start after any history the scale figure recorded."""
    return int(world.state.get("first_build", 1)) + i


PHASE_EVENT_INDEX = CODEBUILD_PHASES.index("INSTALL") + 1  # events[0] is IN_PROGRESS


def _codebuild_setup(world: World) -> None:
    declare_apps([BENCH_APP])


def _codebuild_prepare(world: World, i: int) -> Event:
    events = codebuild_events(BENCH_APP, build_number(world, i))
    world.invoke(CODEBUILD_HANDLER, events[0])  # the build is started and recorded, not measured
    return events[PHASE_EVENT_INDEX]


def _codebuild_bare(world: World, i: int) -> None:
    """One conditional UpdateItem that moves one phase of one build record forward."""
    client("dynamodb").update_item(
        TableName=world.settings.table_name,
        Key={"primary_id": {"S": FLOOR_PK}, "secondary_id": {"S": keys.build_sk(build_number(world, i))}},
        UpdateExpression="SET #phase = :phase",
        ConditionExpression="attribute_not_exists(#phase.#end)",
        ExpressionAttributeNames={"#phase": "build", "#end": "end"},
        ExpressionAttributeValues={
            ":phase": {
                "M": {
                    "state": {"S": "succeeded"},
                    "start": {"N": "1793534400"},
                    "end": {"N": "1793534435"},
                    "arns": {"L": [{"S": f"arn:aws:codebuild:us-east-1:123456789012:build/bench-build:{i}"}]},
                    "logs": {"S": "https://console.aws.amazon.com/cloudwatch/home"},
                }
            }
        },
    )


CODEBUILD_CASE = HandlerCase(
    handler_path=CODEBUILD_HANDLER,
    event="Build Phase Change (INSTALL succeeded), build already IN_PROGRESS",
    floor="1 UpdateItem (conditional, same table)",
    floor_calls=1,
    setup=_codebuild_setup,
    prepare=_codebuild_prepare,
    bare=_codebuild_bare,
    scale=True,
)


# --- floors shared by the ECS cases: the bare calls on the floor's own services ------------------------------


def _floor_task_definition(world: World, process: str, secrets: int = 2) -> str:
    """RegisterTaskDefinition with the shape the pipeline registers (Fargate, awsvpc, secrets by name)."""
    arn: str = client("ecs").register_task_definition(
        family=f"bench-floor-{process}",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        executionRoleArn="arn:aws:iam::123456789012:role/bench-floor-execution",
        taskRoleArn="arn:aws:iam::123456789012:role/bench-floor-task",
        containerDefinitions=[
            {
                "name": "app",
                "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/orchestrator/bench:build-1",
                "command": ["/cnb/lifecycle/launcher", f"run-{process}"],
                "essential": True,
                "secrets": [
                    {"name": f"VAR_{n}", "valueFrom": f"arn:aws:ssm:us-east-1:123456789012:parameter/x/{n}"}
                    for n in range(secrets)
                ],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/orchestrator/apps/bench",
                        "awslogs-region": "us-east-1",
                        "awslogs-stream-prefix": process,
                    },
                },
            }
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    return arn


def _floor_services(world: World) -> None:
    """The floor's own ECS services (so the floor never touches the handler's), created once."""
    if "floor_services" in world.state:
        return
    subnet, group = network(world)
    for process in PROCESSES:
        client("ecs").create_service(
            cluster=world.settings.cluster_name,
            serviceName=f"bench-floor-{process}",
            taskDefinition=_floor_task_definition(world, process),
            desiredCount=1,
            launchType="FARGATE",
            networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}},
        )
    world.state["floor_services"] = True


def _floor_update_services(world: World) -> None:
    for process in PROCESSES:
        client("ecs").update_service(
            cluster=world.settings.cluster_name,
            service=f"bench-floor-{process}",
            taskDefinition=f"bench-floor-{process}",
        )


def _floor_record_write(world: World, i: int, attribute: str) -> None:
    client("dynamodb").update_item(
        TableName=world.settings.table_name,
        Key={
            "primary_id": {"S": FLOOR_PK},
            "secondary_id": {"S": f"{attribute.upper()}#{build_number(world, i):010d}"},
        },
        UpdateExpression="SET #a = :v",
        ConditionExpression="attribute_not_exists(#a.#end)",
        ExpressionAttributeNames={"#a": attribute, "#end": "end"},
        ExpressionAttributeValues={":v": {"M": {"state": {"S": "succeeded"}, "end": {"N": "1793534700"}}}},
    )


# --- ECS task STOPPED: the release task of a build exits 0, so the build deploys -----------------------------


def _container_setup(world: World) -> None:
    declare_container_app(world, BENCH_APP)
    _floor_services(world)


def _finish_previous(world: World, i: int) -> None:
    """Let the previous measured build finish deploying, so each build starts from a deployed app."""
    if i > 0:
        previous = build_number(world, i - 1)
        with suppress(RuntimeError):  # the previous build did not reach its deploy: nothing to finish
            deliver(world, deployment_done(BENCH_APP, previous))


def _ecs_task_prepare(world: World, i: int) -> Event:
    _finish_previous(world, i)
    return build_to_release(world, BENCH_APP, build_number(world, i))


def _ecs_task_bare(world: World, i: int) -> None:
    """The deploy the STOPPED event starts: UpdateService per process type, and the record write."""
    _floor_update_services(world)
    _floor_record_write(world, i, "release")


ECS_TASK_CASE = HandlerCase(
    handler_path=ECS_TASK_HANDLER,
    event="Task State Change: release task STOPPED exit 0 (starts the deploy of 2 services)",
    floor="2 UpdateService + 1 UpdateItem",
    floor_calls=3,
    setup=_container_setup,
    prepare=_ecs_task_prepare,
    bare=_ecs_task_bare,
    measured=12,
)


# --- ECS Deployment State Change: one service's deployment COMPLETED ------------------------------------------


def _ecs_deployment_prepare(world: World, i: int) -> Event:
    _finish_previous(world, i)
    number = build_number(world, i)
    deliver(world, [build_to_release(world, BENCH_APP, number)])
    deliver(world, deployment_in_progress(BENCH_APP, number))
    return deployment_done(BENCH_APP, number)[0]  # web COMPLETED; worker still deploying


def _ecs_deployment_bare(world: World, i: int) -> None:
    """One conditional UpdateItem: the service's state in the build record."""
    _floor_record_write(world, i, "deploy")


ECS_DEPLOYMENT_CASE = HandlerCase(
    handler_path=ECS_DEPLOYMENT_HANDLER,
    event="Deployment State Change: SERVICE_DEPLOYMENT_COMPLETED (1 of 2 services)",
    floor="1 UpdateItem (conditional, same table)",
    floor_calls=1,
    setup=_container_setup,
    prepare=_ecs_deployment_prepare,
    bare=_ecs_deployment_bare,
    measured=12,
    scale=True,
)


# --- Parameter Store Change: a config variable added to a deployed app ---------------------------------------


def _config_name(world: World, var: str) -> str:
    return f"/{world.settings.ssm_prefix}/apps/{BENCH_APP}/config/{var}"


def _parameters_setup(world: World) -> None:
    _container_setup(world)
    deploy_fully(world, BENCH_APP, build_number(world, 0))  # a deployed app with 2 services


def _parameters_prepare(world: World, i: int) -> Event:
    name = _config_name(world, f"BENCH_VAR_{i}")
    client("ssm").put_parameter(Name=name, Value="x", Type="SecureString")  # what the operator does
    return config_change(name, "Create")


def _parameters_bare(world: World, i: int) -> None:
    """The config names (never the values), a revision per process type, and a rollout of each service."""
    client("ssm").describe_parameters(
        ParameterFilters=[{"Key": "Path", "Option": "OneLevel", "Values": [_config_name(world, "").rstrip("/")]}]
    )
    for process in PROCESSES:
        _floor_task_definition(world, process, secrets=len(CONFIG_VARS) + i + 1)
    _floor_update_services(world)


PARAMETERS_CASE = HandlerCase(
    handler_path=PARAMETER_HANDLER,
    event="Parameter Store Change: config variable created (app deployed, 2 services)",
    floor="1 DescribeParameters + 2 RegisterTaskDefinition + 2 UpdateService",
    floor_calls=5,
    setup=_parameters_setup,
    prepare=_parameters_prepare,
    bare=_parameters_bare,
    measured=20,
)


# --- S3 Object Created: a new version of a function-app bundle uploaded --------------------------------------

SAMPLE_BUNDLE = Path(__file__).resolve().parent.parent / "samples" / "bundles" / "hello"


def _bundle(version: str) -> bytes:
    """The sample bundle (2 functions, 2 static files) with its manifest's version set to `version`."""
    with tempfile.TemporaryDirectory(prefix="bench-bundle-") as scratch:
        source = Path(scratch) / "hello"
        shutil.copytree(SAMPLE_BUNDLE, source)
        manifest = json.loads((source / "manifest.json").read_text())
        (source / "manifest.json").write_text(json.dumps({**manifest, "version": version}))
        return build_bundle(source)


def _bundles_setup(world: World) -> None:
    role = client("iam").create_role(
        RoleName="orchestrator-bundle-functions",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}
                ],
            }
        ),
    )["Role"]["Arn"]
    configure(function_role_arn=role)
    world.state["function_role"] = role


def _bundles_prepare(world: World, i: int) -> Event:
    data = _bundle(f"v1.0.{i}")
    world.state["bundle"] = data
    key = f"bundles/hello-v1.0.{i}.zip"
    bucket = world.settings.bundle_bucket
    put = client("s3").put_object(Bucket=bucket, Key=key, Body=data)  # what the operator's upload does
    return object_created(bucket=bucket, key=key, size=len(data), etag=put["ETag"], version_id=put.get("VersionId"))


def _bundles_bare(world: World, i: int) -> None:
    """Read the bundle, create its 2 functions, upload its 2 static files, then its manifest."""
    data: bytes = (
        client("s3").get_object(Bucket=world.settings.bundle_bucket, Key=f"bundles/hello-v1.0.{i}.zip")["Body"].read()
    )
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        for name, handler in (("main", "app.handler"), ("send", "send.handler")):
            client("lambda").create_function(
                FunctionName=f"bench-floor-{i}-{name}", Runtime="python3.12", Role=world.state["function_role"],
                Handler=handler, Code={"ZipFile": bundle.read(f"{name}.zip")},
            )  # fmt: skip
        for static in ("icon.png", "index.html"):
            client("s3").put_object(
                Bucket=world.settings.bundle_bucket,
                Key=f"floor/static/{i}/{static}",
                Body=bundle.read(f"static/{static}"),
            )
        client("s3").put_object(
            Bucket=world.settings.bundle_bucket, Key=f"floor/manifests/{i}.json", Body=bundle.read("manifest.json")
        )


BUNDLES_CASE = HandlerCase(
    handler_path=BUNDLE_HANDLER,
    event="Object Created: a new version of the sample bundle (2 functions, 2 static files)",
    floor="1 GetObject + 2 CreateFunction + 3 PutObject",
    floor_calls=6,
    setup=_bundles_setup,
    prepare=_bundles_prepare,
    bare=_bundles_bare,
    measured=20,
)


CASES: dict[str, HandlerCase] = {
    case.handler_path: case
    for case in (CODEBUILD_CASE, ECS_TASK_CASE, ECS_DEPLOYMENT_CASE, PARAMETERS_CASE, BUNDLES_CASE)
}
