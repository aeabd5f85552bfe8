"""Pure parts of the release pipeline: apppack.toml, task-definition input, app names, deploy-phase merges,
and the ECS event builders against the event models."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import reduce

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestrator.events.ecs import DeploymentStateChangeEvent, TaskStateChangeEvent
from orchestrator.events.matching import matches
from orchestrator.events.patterns import event_routes
from orchestrator.local.ecs_events import deployment_completed, deployment_rolling_back, task_stopped
from orchestrator.pipeline.app_registry import EcsConfig
from orchestrator.pipeline.apppack_toml import AppPackTomlError, parse_apppack_toml
from orchestrator.pipeline.apps import AppRef
from orchestrator.pipeline.deploy import deployment_state, derive_deploy_phase
from orchestrator.pipeline.records import BuildRecord, PlannedProcess, ReleasePlan, ServiceDeployment
from orchestrator.pipeline.release import task_outcome
from orchestrator.pipeline.taskdefs import (
    ProcessSize,
    RuntimeInputsError,
    parse_scaling,
    resources_for,
    task_definition_input,
)

AT = datetime(2026, 11, 1, 12, tzinfo=UTC)
ECS = EcsConfig(
    cluster="orchestrator",
    execution_role_arn="arn:aws:iam::123456789012:role/x",
    task_role_arn="arn:aws:iam::123456789012:role/t",
    log_group="/orchestrator/apps/demo",
    image_repository_uri="123456789012.dkr.ecr.us-east-1.amazonaws.com/demo",
)
TASK = {
    "taskArn": "arn:aws:ecs:us-east-1:123456789012:task/orchestrator/0f8e0c5d6b8a4c6f9d8e7f6a5b4c3d2e",
    "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/orchestrator",
    "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/demo-web:3",
    "containers": [{"name": "app"}],
    "startedBy": "orchestrator",
    "tags": [{"key": "apppack:appName", "value": "demo"}],
}


def test_apppack_toml_reads_services_release_and_initialize_commands() -> None:
    parsed = parse_apppack_toml(
        '[build]\nsystem = "buildpack"\n[services.web]\ncommand = "gunicorn x"\n[services.worker]\ncommand = "celery"\n'
        '[deploy]\nrelease_command = "migrate"\n[review_app]\ninitialize_command = "seed"\n'
    )
    assert {n: s.command for n, s in parsed.services.items()} == {"web": "gunicorn x", "worker": "celery"}
    assert parsed.deploy.release_command == "migrate"
    assert parsed.review_app.initialize_command == "seed"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "apppack.toml: not found"),
        ("[services", "apppack.toml: not valid TOML"),
        ("", "apppack.toml: [services] is required"),
        ("[services]", "[services] must define at least one [services.<name>]"),
        ('[services.Web]\ncommand = "x"', "'Web' is not a valid process type"),
        ("[services.web]\ncommand = 3", "[services.web.command] Input should be a valid string"),
        (
            '[services.web]\ncommand = "x"\n[deploy]\nrelease_command = "  "',
            "[deploy.release_command] must not be empty",
        ),
    ],
)
def test_apppack_toml_errors_name_the_file_and_the_problem(text: str | None, message: str) -> None:
    with pytest.raises(AppPackTomlError, match=r"apppack\.toml") as error:
        parse_apppack_toml(text)
    assert message in str(error.value)


def test_task_definition_input_is_fargate_with_secrets_by_reference_and_an_argument_vector() -> None:
    resources = resources_for("web", {"web": ProcessSize(cpu=1024, memory=2048, min_processes=2, max_processes=4)}, ECS)
    request = task_definition_input(
        app="demo", process="web", command="gunicorn 'app.wsgi:application' -w 2", build_number=7, ecs=ECS,
        secrets={"B": "arn:aws:ssm:us-east-1:123456789012:parameter/apppack/apps/demo/config/B", "A": "/x/A"},
        resources=resources, region="eu-west-1",
    )  # fmt: skip
    container = request["containerDefinitions"][0]
    assert request["family"] == "demo-web"
    assert (request["cpu"], request["memory"]) == ("1024", "2048")
    assert request["networkMode"] == "awsvpc"
    assert request["requiresCompatibilities"] == ["FARGATE"]
    assert container["image"] == f"{ECS.image_repository_uri}:build-7"
    assert container["command"] == ["gunicorn", "app.wsgi:application", "-w", "2"]
    assert [s["name"] for s in container["secrets"]] == ["A", "B"]
    assert container["portMappings"] == [{"containerPort": 8000, "protocol": "tcp"}]
    assert container["logConfiguration"]["options"] == {
        "awslogs-group": "/orchestrator/apps/demo",
        "awslogs-region": "eu-west-1",
        "awslogs-stream-prefix": "demo-web",
    }
    assert {"key": "apppack:buildNumber", "value": "7"} in request["tags"]
    assert (resources.min_processes, resources.max_processes) == (2, 4)


@pytest.mark.parametrize(
    ("system", "tagged"), [("", "buildpacks"), ("buildpack", "buildpacks"), ("dockerfile", "dockerfile")]
)
def test_task_definitions_carry_the_build_system_apppacks_isbuildpack_reads(system: str, tagged: str) -> None:
    resources = resources_for("shell", {}, ECS)
    request = task_definition_input(
        app="demo", process="shell", command="bash -l", build_number=3, ecs=ECS, secrets={}, resources=resources,
        region="eu-west-1", build_system=system,
    )  # fmt: skip
    assert [t["value"] for t in request["tags"] if t["key"] == "apppack:buildSystem"] == [tagged]


def test_scaling_defaults_and_errors() -> None:
    assert resources_for("worker", parse_scaling(None), ECS) == resources_for("worker", {}, ECS)
    default = resources_for("worker", {}, ECS)
    assert (default.cpu, default.memory, default.min_processes, default.max_processes) == (256, 512, 1, 1)
    with pytest.raises(RuntimeInputsError, match="not valid JSON"):
        parse_scaling("{nope")
    with pytest.raises(RuntimeInputsError, match="must be a JSON object"):
        parse_scaling("[1]")
    with pytest.raises(RuntimeInputsError, match=r"web\.cpu: Input should be greater than 0"):
        parse_scaling('{"web": {"cpu": -1}}')


def test_review_app_names_paths_and_keys() -> None:
    review, app = AppRef("pipe:12"), AppRef("demo")
    assert review.ecs_name("web") == "pipe-pr12-web"
    assert app.ecs_name("web") == "demo-web"
    assert review.declared_name == "pipe"
    assert review.config_paths("apppack") == [
        "/apppack/pipelines/pipe/config/",
        "/apppack/pipelines/pipe/review-apps/pr/12/config/",
    ]
    assert review.scaling_names("apppack")[0] == "/apppack/pipelines/pipe/review-apps/pr/12/scaling"
    assert review.deploystatus_key == ("APP#pipe", "DEPLOYSTATUS#12")
    assert app.deploystatus_key == ("APP#demo", "DEPLOYSTATUS")


def test_task_builders_produce_documented_events_that_the_route_matches() -> None:
    route = next(r for r in event_routes(ssm_prefix="apppack", bundle_bucket="b") if r.name == "ecs-task")
    exited = task_stopped(TASK, exit_code=2, started_at=AT, stopped_at=AT)
    assert matches(route.pattern, exited)
    parsed = TaskStateChangeEvent.model_validate(exited)
    assert parsed.detail.containers[0].exit_code == 2
    assert parsed.detail.tags[0].key == "apppack:appName"
    outcome, error = task_outcome(parsed, "app")
    assert outcome.exit_code == 2
    assert error == "command exited with code 2 (EssentialContainerExited): Essential container in task exited"
    never = TaskStateChangeEvent.model_validate(task_stopped(TASK, exit_code=None, started_at=AT, stopped_at=AT))
    assert never.detail.started_at is None
    outcome, error = task_outcome(never, "app")
    assert outcome.exit_code is None
    assert error is not None
    assert error.startswith("task stopped before its command ran (TaskFailedToStart): CannotPullContainerError")


def test_deployment_builders_and_states() -> None:
    service = "arn:aws:ecs:us-east-1:123456789012:service/orchestrator/demo-web"
    done = DeploymentStateChangeEvent.model_validate(deployment_completed(service, "ecs-svc/1", AT))
    assert done.service_arn == service
    assert deployment_state(done) == ("COMPLETED", None)
    rollback = DeploymentStateChangeEvent.model_validate(deployment_rolling_back(service, "ecs-svc/1", AT))
    state, reason = deployment_state(rollback)
    assert state == "FAILED"
    assert reason is not None
    assert reason.startswith("ECS deployment circuit breaker: rolling back")


PLAN = ReleasePlan(
    processes={p: PlannedProcess(command=p, task_definition=f"td-{p}", cpu=256, memory=512) for p in ("web", "worker")},
    task_definition="td-web",
)
UPDATES = [
    ServiceDeployment(service_name="demo-web", state="IN_PROGRESS", updated=1),
    ServiceDeployment(service_name="demo-web", state="COMPLETED", updated=5),
    ServiceDeployment(service_name="demo-worker", state="IN_PROGRESS", updated=2),
    ServiceDeployment(service_name="demo-worker", state="FAILED", reasons=["circuit breaker: b"], updated=6),
    ServiceDeployment(service_name="demo-worker", state="FAILED", reasons=["circuit breaker: a"], updated=4),
]


def _fold(updates: list[ServiceDeployment]) -> BuildRecord:
    def step(record: BuildRecord, update: ServiceDeployment) -> BuildRecord:
        process = update.service_name.removeprefix("demo-")
        services = dict(record.services or {})
        services[process] = services[process].merge(update) if process in services else update
        return record.model_copy(update={"services": services})

    return reduce(step, updates, BuildRecord(app="demo", build_number=1, plan=PLAN))


@given(st.permutations(UPDATES), st.lists(st.sampled_from(UPDATES), max_size=4))
def test_service_states_merge_in_any_order_to_the_same_deploy_phase(
    order: list[ServiceDeployment], dups: list[ServiceDeployment]
) -> None:
    record = _fold([*order, *dups])
    phase, error = derive_deploy_phase(record)
    assert phase is not None
    assert phase.state == "failed"
    assert phase.end == 6
    assert error == "service demo-worker failed: circuit breaker: a / circuit breaker: b"


def test_deploy_succeeds_only_when_every_planned_service_completed() -> None:
    assert derive_deploy_phase(_fold(UPDATES[:2])) == (None, None)
    done = ServiceDeployment(service_name="demo-worker", state="COMPLETED", updated=9)
    phase, error = derive_deploy_phase(_fold([*UPDATES[:2], done]))
    assert phase is not None
    assert phase.state == "succeeded"
    assert error is None


def test_default_post_deploy_hooks_resolve_to_callables() -> None:
    from orchestrator.pipeline import hooks

    assert all(callable(hook) for hook in hooks.deployed_hooks())
    assert len(hooks.deployed_hooks()) >= len(hooks.DEFAULT_HOOKS)


def test_a_failing_hook_does_not_stop_the_others_and_is_raised() -> None:
    from orchestrator.pipeline import hooks

    seen: list[str] = []

    def broken(app: str, number: int, tds: dict[str, str]) -> None:
        raise RuntimeError("boom")

    def fine(app: str, number: int, tds: dict[str, str]) -> None:
        seen.append(app)

    hooks.register(broken)
    hooks.register(fine)
    try:
        original, hooks.DEFAULT_HOOKS = hooks.DEFAULT_HOOKS, ()
        with pytest.raises(hooks.DeployHooksError, match="broken: RuntimeError: boom"):
            hooks.run_deployed_hooks("demo", 1, {"web": "td"})
    finally:
        hooks.DEFAULT_HOOKS = original
        hooks.unregister(broken)
        hooks.unregister(fine)
    assert seen == ["demo"]


def test_service_tasks_take_the_task_definitions_apppack_tags() -> None:
    """AppPack's `ps` reads apppack:processType and apppack:buildNumber from each task: a service propagates
    its task definition's tags (which carry the build), not its own (which cannot follow the build)."""
    from orchestrator.pipeline.deploy import create_service_input

    planned = PlannedProcess.model_construct(task_definition="arn:td/demo-web:3", min_processes=1)
    request = create_service_input(AppRef("demo"), "web", planned, 3, ECS, "token")
    assert request["propagateTags"] == "TASK_DEFINITION"
    registered = task_definition_input(app="demo", process="web", command="serve", build_number=3, ecs=ECS,
                                       secrets={}, resources=resources_for("web", {}, ECS), region="us-east-1")  # fmt: skip
    assert {"key": "apppack:buildNumber", "value": "3"} in registered["tags"]
