"""A container app in moto driven through the pipeline's handlers, step by step.

Shared by figure 2 (one whole pipeline) and by the ECS cases of figures 1 and 4 (which need a build at a
given step: a release task running, a deployment in progress). Events are built by orchestrator/local from
what moto returned to the handlers, and each goes to the handler whose rule matches it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bench.world import World, declaration, put_items
from orchestrator.adapters.artifacts import Artifacts, artifact_key
from orchestrator.adapters.clients import client
from orchestrator.adapters.store import Store
from orchestrator.events.matching import matches
from orchestrator.events.patterns import event_routes
from orchestrator.local.aws_events import codebuild_build_events
from orchestrator.local.ecs_events import deployment_completed, ecs_deployment_state_change, task_stopped
from orchestrator.pipeline import keys
from orchestrator.pipeline.app_registry import app_items, build_variables

START = datetime(2026, 11, 1, 12, 0, 0, tzinfo=UTC)
PROCESSES = ("web", "worker")
CONFIG_VARS = ("DATABASE_URL", "SECRET_KEY")
APPPACK_TOML = """
[build]
system = "buildpack"

[services.web]
command = "gunicorn app.wsgi --bind 0.0.0.0:$PORT"

[services.worker]
command = "celery -A app worker --loglevel info"

[deploy]
release_command = "python manage.py migrate --noinput"
"""
Event = dict[str, Any]


def codebuild_events(app: str, number: int) -> list[Event]:
    """The 12 events of one successful build: IN_PROGRESS, 10 phase changes, SUCCEEDED."""
    return codebuild_build_events(
        project=f"{app}-build",
        build_uuid=f"00000000-0000-0000-0000-{number:012d}",
        build_number=number,
        commit=f"{number:040x}",
        start=START,
        # What the AppStack sets on the app's project, and CodeBuild puts in each event: the app's name.
        variables=build_variables(app, "app", f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{app}", Artifacts().bucket),
    )


def network(world: World) -> tuple[str, str]:
    """A VPC with DNS hostnames (Fargate tasks need them), a subnet and a security group in moto; once."""
    if "network" not in world.state:
        ec2 = client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
        group = ec2.create_security_group(GroupName="apps", Description="apps", VpcId=vpc)["GroupId"]
        world.state["network"] = (subnet, group)
    found: tuple[str, str] = world.state["network"]
    return found


def declare_container_app(world: World, name: str) -> None:
    """What the AppStack leaves behind: the app's items (with real networking) and config parameters."""
    subnet, group = network(world)
    app = declaration(name)
    app = app.model_copy(update={"ecs": app.ecs.model_copy(update={"subnets": [subnet], "security_groups": [group]})})
    put_items(app_items(app))
    for var in CONFIG_VARS:
        client("ssm").put_parameter(
            Name=f"/{world.settings.ssm_prefix}/apps/{name}/config/{var}", Value="x", Type="SecureString",
            Overwrite=True,
        )  # fmt: skip


def upload_build(app: str, number: int) -> None:
    """What the build itself leaves in S3 for the orchestrator: apppack.toml."""
    Artifacts().write_text(artifact_key(app, number, "apppack.toml"), APPPACK_TOML)


def route(world: World, event: Event) -> list[str]:
    """The handlers whose rule matches the event (what EventBridge would invoke)."""
    routes = event_routes(ssm_prefix=world.settings.ssm_prefix, bundle_bucket=world.settings.bundle_bucket)
    return [r.handler for r in routes if matches(r.pattern, event)]


def deliver(world: World, events: list[Event]) -> None:
    """Deliver events to their handlers, not counted (a step that sets up the measured one)."""
    for event in events:
        for handler in route(world, event):
            world.invoke(handler, event)


def record(app: str, number: int) -> dict[str, Any]:
    item = Store().get(keys.app_pk(app), keys.build_sk(number))
    if item is None:
        raise RuntimeError(f"the pipeline wrote no record of {app} build {number}")
    return item


def release_stopped(world: World, app: str, number: int) -> Event:
    """The STOPPED (exit 0) event of the release task the pipeline started for the build."""
    release = record(app, number).get("release") or {}
    if not release.get("arns"):
        raise RuntimeError(f"no release task started for {app} build {number}: {release}")
    task = client("ecs").describe_tasks(
        cluster=world.settings.cluster_name, tasks=[str(release["arns"][0])], include=["TAGS"]
    )["tasks"][0]
    return task_stopped(
        task, exit_code=0, started_at=START + timedelta(seconds=90), stopped_at=START + timedelta(seconds=120)
    )


def deployments(app: str, number: int) -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = record(app, number).get("services") or {}
    if sorted(services) != sorted(PROCESSES):
        raise RuntimeError(f"{app} build {number} deployed {sorted(services)}, expected {list(PROCESSES)}")
    return services


def deployment_in_progress(app: str, number: int) -> list[Event]:
    return [
        ecs_deployment_state_change(
            service_arn=s["service_arn"], deployment_id=s["deployment_id"],
            event_name="SERVICE_DEPLOYMENT_IN_PROGRESS", updated_at=START + timedelta(seconds=130),
        )
        for _, s in sorted(deployments(app, number).items())
    ]  # fmt: skip


def deployment_done(app: str, number: int) -> list[Event]:
    return [
        deployment_completed(s["service_arn"], s["deployment_id"], START + timedelta(seconds=300))
        for _, s in sorted(deployments(app, number).items())
    ]


def build_to_release(world: World, app: str, number: int) -> Event:
    """Run build `number` until its release task runs; returns the task's STOPPED event (not delivered)."""
    upload_build(app, number)
    deliver(world, codebuild_events(app, number))
    return release_stopped(world, app, number)


def build_to_deploying(world: World, app: str, number: int) -> list[Event]:
    """Run build `number` until its services deploy; returns their COMPLETED events (not delivered)."""
    deliver(world, [build_to_release(world, app, number)])
    deliver(world, deployment_in_progress(app, number))
    return deployment_done(app, number)


def deploy_fully(world: World, app: str, number: int) -> None:
    deliver(world, build_to_deploying(world, app, number))
