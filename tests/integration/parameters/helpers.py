"""Helpers for the parameter handler tests: a deployed app as the pipeline leaves it, SSM writes, delivery."""

from __future__ import annotations

import json
from typing import Any

from orchestrator.adapters.clients import client
from orchestrator.adapters.store import Store
from orchestrator.handlers import parameters as handler_module
from orchestrator.local.ssm_events import Operation, config_change, parameter_store_change
from orchestrator.parameters.names import ParameterKind, Target, kind_name
from orchestrator.parameters.state import state_sk
from orchestrator.pipeline import keys
from orchestrator.pipeline.apps import AppRef, app_tags
from orchestrator.pipeline.deploy import Deployed, DeployedProcess
from orchestrator.pipeline.deploystatus import DeployStatus, DeployStatusProcess, deploystatus_fields
from orchestrator.pipeline.taskdefs import load_runtime_inputs, register_task_definitions
from orchestrator.settings import get_settings
from tests.lambda_context import FakeLambdaContext

CONTEXT = FakeLambdaContext()
EVENTS_ROLE = "arn:aws:iam::123456789012:role/orchestrator-events"
PROCESSES = {"web": "gunicorn app.wsgi --bind 0.0.0.0:8000", "worker": "celery -A app worker"}


def prefix() -> str:
    return get_settings().ssm_prefix


def name_of(app: str, kind: str) -> str:
    return kind_name(Target("app", app), ParameterKind(kind), prefix())


def config_name(app: str, var: str) -> str:
    return f"/{prefix()}/apps/{app}/config/{var}"


def deploy(app: str = "demo", build_number: int = 1, processes: dict[str, str] | None = None) -> dict[str, str]:
    """Leave `app` as the pipeline does after a successful deploy of `build_number`: task definitions
    registered (from the current config names and scaling), one ECS service per process, DEPLOYSTATUS and
    DEPLOYED written. Returns process → task-definition ARN."""
    processes = processes or PROCESSES
    store = Store()
    ref = AppRef(app)
    inputs = load_runtime_inputs(ref)
    registered = register_task_definitions(
        ref, build_number, processes, scope=keys.build_scope(build_number), inputs=inputs
    )
    ecs = client("ecs")
    cluster = inputs.ecs.cluster
    existing = {
        s["serviceName"]
        for s in ecs.describe_services(cluster=cluster, services=[ref.ecs_name(p) for p in processes])["services"]
    }
    for process, reg in registered.items():
        service = ref.ecs_name(process)
        if service in existing:
            ecs.update_service(cluster=cluster, service=service, taskDefinition=reg.arn)
        else:
            ecs.create_service(
                cluster=cluster, serviceName=service, taskDefinition=reg.arn, desiredCount=reg.resources.min_processes,
                launchType="FARGATE", tags=[{"key": k, "value": v} for k, v in app_tags(ref).items()],
            )  # fmt: skip
    status = DeployStatus(
        phase="complete",
        processes=[
            DeployStatusProcess(
                name=p,
                cpu=str(r.resources.cpu),
                memory=str(r.resources.memory),
                min_processes=r.resources.min_processes,
                max_processes=r.resources.max_processes,
                state="running",
                command=r.command,
            )
            for p, r in sorted(registered.items())
        ],
        build_id=f"arn:aws:codebuild:us-east-1:123456789012:build/{app}-build:{build_number}",
        build_number=build_number,
        commit=f"{build_number:040x}",
        last_update=1_700_000_000 + build_number,
        failed=False,
    )
    pk, sk = ref.deploystatus_key
    store.put({"primary_id": pk, "secondary_id": sk, **deploystatus_fields(status)})
    one_off = registered.get("web") or registered[sorted(registered)[0]]
    deployed = Deployed(
        app=app, build_number=build_number, commit=f"{build_number:040x}",
        processes={p: DeployedProcess(command=r.command, task_definition=r.arn) for p, r in registered.items()},
        task_definition=one_off.arn, container_name=inputs.ecs.container_name,
    )  # fmt: skip
    store.put({"primary_id": keys.app_pk(app), "secondary_id": keys.DEPLOYED_SK, **deployed.model_dump(mode="json")})
    store.put({"primary_id": keys.app_pk(app), "secondary_id": keys.DEPLOY_CLAIM_SK, "build_number": build_number})
    return {p: r.arn for p, r in registered.items()}


def put(name: str, value: Any, parameter_type: str = "String") -> dict[str, Any]:
    """Write a parameter (JSON-encoding non-strings) and return the event Parameter Store would emit."""
    text = value if isinstance(value, str) else json.dumps(value)
    ssm = client("ssm")
    exists = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [name]}])["Parameters"]
    operation: Operation = "Update" if exists else "Create"
    ssm.put_parameter(Name=name, Value=text, Type=parameter_type, Overwrite=True)
    if parameter_type == "SecureString":
        return config_change(name, operation)
    return parameter_store_change(name, operation, parameter_type=parameter_type)  # type: ignore[arg-type]


def delete(name: str, parameter_type: str = "String") -> dict[str, Any]:
    client("ssm").delete_parameter(Name=name)
    return parameter_store_change(name, "Delete", parameter_type=parameter_type)  # type: ignore[arg-type]


def deliver(*events: dict[str, Any]) -> list[dict[str, Any]]:
    return [handler_module.handler(event, CONTEXT) for event in events]  # type: ignore[arg-type]


def state(app: str, kind: str) -> dict[str, Any]:
    return Store().get(keys.app_pk(app), state_sk(kind)) or {}


def services(app: str = "demo", processes: list[str] | None = None) -> dict[str, dict[str, Any]]:
    ref = AppRef(app)
    names = [ref.ecs_name(p) for p in (processes or sorted(PROCESSES))]
    found = client("ecs").describe_services(cluster=get_settings().cluster_name, services=names)["services"]
    return {s["serviceName"]: s for s in found}


def task_definition(arn: str) -> dict[str, Any]:
    result: dict[str, Any] = client("ecs").describe_task_definition(taskDefinition=arn)["taskDefinition"]
    return result


def scalable_targets() -> dict[str, tuple[int, int]]:
    found = client("application-autoscaling").describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    return {t["ResourceId"]: (t["MinCapacity"], t["MaxCapacity"]) for t in found}


def rules(app: str = "demo") -> dict[str, dict[str, Any]]:
    """rule name → {schedule, targets: [{id, td, command}]} for the app's orchestrator rules."""
    events = client("events")
    result = {}
    for rule in events.list_rules(NamePrefix=f"orchestrator-{app}-")["Rules"]:
        targets = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
        result[rule["Name"]] = {
            "schedule": rule.get("ScheduleExpression"),
            "targets": sorted(
                (
                    t["EcsParameters"]["TaskDefinitionArn"],
                    tuple(json.loads(t["Input"])["containerOverrides"][0]["command"]),
                )
                for t in targets
            ),
        }
    return result


MUTATING = {
    "ecs": {"RegisterTaskDefinition", "UpdateService", "CreateService", "RunTask", "DeregisterTaskDefinition"},
    "application-autoscaling": {
        "RegisterScalableTarget", "PutScalingPolicy", "DeregisterScalableTarget", "DeleteScalingPolicy",
    },
    "events": {"PutRule", "PutTargets", "RemoveTargets", "DeleteRule"},
}  # fmt: skip


def mutating_calls(recorder: Any) -> dict[tuple[str, str], int]:
    """ECS, Auto Scaling and EventBridge calls that change something, with their counts."""
    return {key: n for key, n in recorder.calls.items() if key[1] in MUTATING.get(key[0], set())}


def world(app: str = "demo") -> dict[str, Any]:
    """The ECS, Auto Scaling and EventBridge state of an app, for comparisons."""
    svc = services(app)
    return {
        "services": {
            name: {
                "desired": s["desiredCount"],
                "cpu": task_definition(s["taskDefinition"])["cpu"],
                "memory": task_definition(s["taskDefinition"])["memory"],
                "secrets": [
                    x["name"]
                    for x in task_definition(s["taskDefinition"])["containerDefinitions"][0].get("secrets", [])
                ],
            }
            for name, s in svc.items()
        },
        "autoscaling": scalable_targets(),
        "rules": {n: (r["schedule"], [c for _, c in r["targets"]]) for n, r in rules(app).items()},
    }
