"""A container app in moto, and the events ECS would send for what the handlers asked of it."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from orchestrator.adapters.artifacts import Artifacts, artifact_key
from orchestrator.adapters.clients import client
from orchestrator.adapters.store import VERSION_ATTR, Store
from orchestrator.handlers import codebuild, ecs_deployment, ecs_task
from orchestrator.local.ecs_events import deployment_completed, task_stopped
from orchestrator.pipeline import keys
from orchestrator.pipeline.app_registry import AppDeclaration, EcsConfig, app_items
from orchestrator.settings import get_settings
from tests.integration.builders import START, build_events
from tests.lambda_context import FakeLambdaContext

CONTEXT = FakeLambdaContext()
HANDLERS = (codebuild.handler, ecs_task.handler, ecs_deployment.handler)

TOML_WEB_WORKER_RELEASE = """
[build]
system = "buildpack"

[services.web]
command = "gunicorn app.wsgi --bind 0.0.0.0:8000"

[services.worker]
command = "celery -A app worker --loglevel 'info'"

[deploy]
release_command = "python manage.py migrate --noinput"
"""

TOML_WEB_ONLY = """
[services.web]
command = "gunicorn app.wsgi"
"""


def network() -> tuple[str, str]:
    """A VPC (DNS hostnames on, as Fargate tasks need), one subnet and one security group."""
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="apps", Description="apps", VpcId=vpc)["GroupId"]
    return subnet, group


def declare(
    name: str = "demo", kind: str = "app", *, subnets: list[str] | None = None, security_groups: list[str] | None = None
) -> AppDeclaration:
    """The app's items as its stack writes them; in a new VPC unless `subnets` and `security_groups` name one."""
    if subnets is None or security_groups is None:
        subnet, group = network()
        subnets, security_groups = [subnet], [group]
    app = AppDeclaration(
        name=name,
        kind=kind,  # type: ignore[arg-type]
        codebuild_project=f"{name}-build",
        ecr_repository=f"orchestrator/{name}",
        ecs=EcsConfig(
            cluster=get_settings().cluster_name,
            execution_role_arn=f"arn:aws:iam::123456789012:role/{name}-execution",
            task_role_arn=f"arn:aws:iam::123456789012:role/{name}-task",
            log_group=f"/orchestrator/apps/{name}",
            image_repository_uri=f"123456789012.dkr.ecr.us-east-1.amazonaws.com/orchestrator/{name}",
            subnets=subnets,
            security_groups=security_groups,
        ),
    )
    store = Store()
    for item in app_items(app):
        store.put(item)
    return app


def upload_toml(app: str, number: int, text: str) -> None:
    Artifacts().write_text(artifact_key(app, number, "apppack.toml"), text)


def put_parameter(name: str, value: str, kind: str = "SecureString") -> None:
    client("ssm").put_parameter(Name=name, Value=value, Type=kind, Overwrite=True)


def put_scaling(path: str, scaling: dict[str, Any]) -> None:
    put_parameter(path, json.dumps(scaling), "String")


def deliver(*events: dict[str, Any]) -> list[dict[str, Any]]:
    """Every handler gets every event, as EventBridge fans out; each ignores what its rule does not match."""
    results = []
    for event in events:
        for handler in HANDLERS:
            result = handler(event, CONTEXT)  # type: ignore[arg-type]
            if result.get("status") != "ignored":
                results.append(result)
    return results


def build(app: str = "demo", number: int = 1, *, project: str | None = None, **kw: Any) -> list[dict[str, Any]]:
    """All CodeBuild events of a successful build (of `project`'s app, by default `app`)."""
    return build_events(app=project or app, number=number, **kw)


def record(app: str = "demo", number: int = 1) -> dict[str, Any]:
    item = Store().get(keys.app_pk(app), keys.build_sk(number))
    assert item is not None
    return {k: v for k, v in item.items() if k != VERSION_ATTR}


def item(pk: str, sk: str) -> dict[str, Any] | None:
    found = Store().get(pk, sk)
    return {k: v for k, v in found.items() if k != VERSION_ATTR} if found else None


def describe_task(task_arn: str) -> dict[str, Any]:
    tasks = client("ecs").describe_tasks(cluster=get_settings().cluster_name, tasks=[task_arn], include=["TAGS"])
    task: dict[str, Any] = tasks["tasks"][0]
    return task


def stopped(task_arn: str, exit_code: int | None = 0, seconds: int = 120, **kw: Any) -> dict[str, Any]:
    """The STOPPED event of a task the orchestrator started."""
    return task_stopped(
        describe_task(task_arn),
        exit_code=exit_code,
        started_at=START + timedelta(seconds=seconds - 30),
        stopped_at=START + timedelta(seconds=seconds),
        **kw,
    )


def step_task(app: str, number: int, step: str) -> str:
    arns = record(app, number)[step]["arns"]
    assert len(arns) == 1
    return str(arns[0])


def deploying() -> None:
    """`demo` build 1 (web and worker, with a release command) built and released: its deploy has begun."""
    declare()
    upload_toml("demo", 1, TOML_WEB_WORKER_RELEASE)
    deliver(*build())
    deliver(stopped(step_task("demo", 1, "release")))


def completed(app: str, number: int, seconds: int = 300) -> list[dict[str, Any]]:
    """COMPLETED for every service deployment of the build."""
    services = record(app, number)["services"]
    return [
        deployment_completed(s["service_arn"], s["deployment_id"], START + timedelta(seconds=seconds))
        for s in services.values()
    ]


def ecs_calls(recorder: Any) -> list[tuple[str, dict[str, Any]]]:
    """(operation, request) of every ECS call, in order."""
    return [
        (operation, json.loads(params) if isinstance(params, bytes | str) else params)
        for service, operation, params in recorder.params
        if service == "ecs"
    ]


def ecs_writes(recorder: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(op, p) for op, p in ecs_calls(recorder) if not op.startswith(("Describe", "List"))]


INVOCATION_ENDS = "the invocation ends here: a crash, a timeout"


def fails_once(monkeypatch: Any, module: Any, name: str) -> None:
    """`module.name` raises RuntimeError(INVOCATION_ENDS) on its first call, then works: an invocation that
    ended there, and Lambda's retry of it."""
    original = getattr(module, name)
    calls = iter([1])

    def once(*args: Any, **kwargs: Any) -> Any:
        if next(calls, None) is not None:
            raise RuntimeError(INVOCATION_ENDS)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, once)
