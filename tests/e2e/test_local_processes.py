"""Apps with a local source run for real in the emulator: the release's exit code decides, one-off tasks
report theirs, output reaches CloudWatch Logs, the router serves every request during a rollout, `ps scale`
runs more processes, and nothing the emulator started is left when it stops."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestrator import settings as settings_module
from orchestrator.adapters import clients
from orchestrator.adapters import operator as operations
from orchestrator.adapters.clients import client
from orchestrator.local.emulator import Emulator
from orchestrator.local.http_probe import request
from orchestrator.local.scenarios import source_folder
from orchestrator.local.simulate import AppSource
from orchestrator.parameters.names import ParameterKind
from orchestrator.pipeline.app_registry import task_log_group_name
from orchestrator.settings import configure, get_settings

pytestmark = pytest.mark.xdist_group("local-processes")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is not running: reaped by its parent (the supervisor waits for every process it stops).
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "\nState:\tZ" in status.read_text())


def assert_none_left(pids: list[int]) -> None:
    assert pids, "the test started no process: it would prove nothing"
    assert [pid for pid in pids if alive(pid)] == []


def log_text(group: str, prefix: str) -> dict[str, str]:
    logs = client("logs")
    streams = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix=prefix)["logStreams"]
    return {
        s["logStreamName"]: "\n".join(
            e["message"] for e in logs.get_log_events(logGroupName=group, logStreamName=s["logStreamName"])["events"]
        )
        for s in streams
    }


@pytest.fixture(scope="module")
def deployed_hello() -> Iterator[tuple[Emulator, dict[str, object]]]:
    """The hello sample deployed once (build 1, a config value), shared by the module's tests."""
    emulator = Emulator(serve_web=True)
    emulator.start()
    overrides = dict(settings_module._overrides)
    try:
        emulator.register("hello", source=AppSource(directory=source_folder("hello")))
        operations.config_set(operations.target_of("hello"), {"GREETING": "first"})
        emulator.run_until_idle()
        project = "hello"
        client("codebuild").start_build(projectName=_project(project), sourceVersion="a" * 40)
        emulator.run_until_idle()
        yield emulator, overrides
    finally:
        configure(**overrides)  # the last test reset this process's settings; stopping deregisters targets
        clients.reset_clients()
        pids = list(emulator.supervisor.pids)
        emulator.stop()
        assert_none_left(pids)


@pytest.fixture
def hello(deployed_hello: tuple[Emulator, dict[str, object]]) -> Emulator:
    """The shared emulator, with this process pointed at it again (each test starts from reset settings)."""
    emulator, overrides = deployed_hello
    configure(**overrides)
    clients.reset_clients()
    return emulator


def _project(app: str) -> str:
    from orchestrator.pipeline.app_registry import codebuild_project_name

    return codebuild_project_name(app)


def _url(emulator: Emulator, app: str = "hello") -> str:
    assert emulator.router is not None
    return emulator.router.url(f"{app}.{get_settings().apps_domain}")


def test_the_deployed_web_process_answers_through_the_router_with_its_build_and_config(hello: Emulator) -> None:
    status, line = request(_url(hello))
    assert (status, line) == (200, "hello from build 1: first")
    unknown_status, _ = request(_url(hello, "nobody"))
    assert unknown_status == 404


def test_the_image_metadata_lists_the_builds_processes_as_the_archived_artifact_does(hello: Emulator) -> None:
    """The local build's snapshot (`.build/metadata.toml`) and the S3 artifact both carry `[[processes]]`."""
    import tomllib

    from orchestrator.adapters.artifacts import Artifacts, artifact_key
    from orchestrator.local.task_runtime import METADATA_IN_IMAGE
    from orchestrator.pipeline.app_registry import ecr_repository_name

    image = tomllib.loads((hello.images.folder(ecr_repository_name("hello"), 1) / METADATA_IN_IMAGE).read_text())
    archived = tomllib.loads(Artifacts().read_text(artifact_key("hello", 1, "metadata.toml")) or "")
    wanted = {"web": ["python app.py"], "release": ["python release.py"]}  # the sample's Procfile
    assert {p["type"]: p["command"] for p in image["processes"]} == wanted
    assert image["processes"] == archived["processes"]


def test_process_output_goes_to_the_apps_log_group_in_awslogs_streams(hello: Emulator) -> None:
    group = task_log_group_name("hello")
    # The release runs on the web task definition with the release command (its stream prefix is the family's).
    release = [e["task"].rsplit("/", 1)[-1] for e in hello.tasks.exits if e["process"] == "release"]
    assert len(release) == 1
    assert log_text(group, f"hello-web/app/{release[0]}") == {
        f"hello-web/app/{release[0]}": "release of build 1: nothing to migrate"
    }
    web = [p for s in hello.local_services.services.values() for p in s.serving]
    assert web
    served = log_text(group, f"hello-web/app/{web[0].task_id}")
    assert "build 1 listening on port" in served[f"hello-web/app/{web[0].task_id}"]


def test_a_one_off_task_runs_its_override_command_and_reports_its_exit_code(hello: Emulator) -> None:
    settings = get_settings()
    definition = client("ecs").describe_services(cluster=settings.cluster_name, services=["hello-web"])["services"][0]
    task = client("ecs").run_task(
        cluster=settings.cluster_name, taskDefinition=definition["taskDefinition"], launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": settings.subnets,
                                                      "securityGroups": settings.security_groups}},
        overrides={"containerOverrides": [{"name": "app", "command": [
            "python", "-c", "import os, sys; print('one-off says', os.environ['GREETING']); sys.exit(3)"]}]},
        tags=[{"key": "apppack:appName", "value": "hello"}, {"key": "apppack:processType", "value": "shell"}],
    )["tasks"][0]  # fmt: skip
    hello.run_until_idle()
    stopped = [
        e for e in hello.bus.emitted
        if e["detail-type"] == "ECS Task State Change" and e["detail"].get("taskArn") == task["taskArn"]
        and e["detail"].get("lastStatus") == "STOPPED"
    ]  # fmt: skip
    assert [c["exitCode"] for e in stopped for c in e["detail"]["containers"]] == [3]
    described = client("ecs").describe_tasks(cluster=settings.cluster_name, tasks=[task["taskArn"]])["tasks"][0]
    assert [c.get("exitCode") for c in described["containers"]] == [3]
    task_id = task["taskArn"].rsplit("/", 1)[-1]
    logs = log_text(task_log_group_name("hello"), f"hello-web/app/{task_id}")
    assert list(logs.values()) == ["one-off says first"]


def test_scaling_web_to_three_runs_three_targets_served_round_robin(hello: Emulator) -> None:
    target = operations.target_of("hello")
    operations.write_json_parameter(
        target, ParameterKind.SCALING, {"web": {"cpu": 256, "memory": 512, "min_processes": 3, "max_processes": 3}}
    )
    hello.run_until_idle()
    assert hello.router is not None
    targets = hello.router.targets["hello.localhost"]
    assert len(set(targets)) == 3
    web = [p for s in hello.local_services.services.values() if s.name == "hello-web" for p in s.serving]
    assert sorted((p.address, p.port) for p in web) == sorted(targets)
    assert all(p.exit_code is None for p in web)
    group = task_log_group_name("hello")

    def served() -> dict[str, int]:
        hello.supervisor.flush_logs()
        logs = {p.task_id: log_text(group, f"hello-web/app/{p.task_id}").get(f"hello-web/app/{p.task_id}", "") for p in web}
        return {task: text.count('"GET / HTTP/1.1" 200') for task, text in logs.items()}

    before = served()
    answers = [request(_url(hello)) for _ in range(6)]
    assert set(answers) == {(200, "hello from build 1: first")}
    # A task logs a request after answering it: its line can reach the log a moment after the answer.
    deadline = time.monotonic() + 60
    while True:
        after = served()
        per_task = {task: after[task] - before[task] for task in after}
        if sum(per_task.values()) >= len(answers) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert per_task == {p.task_id: 2 for p in web}
    operations.write_json_parameter(
        target, ParameterKind.SCALING, {"web": {"cpu": 256, "memory": 512, "min_processes": 1, "max_processes": 1}}
    )
    hello.run_until_idle()
    assert len(hello.router.targets["hello.localhost"]) == 1
    deadline = time.monotonic() + 10
    while any(p.exit_code is None for p in web[1:]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sum(p.exit_code is None for p in web) == 1


def test_a_config_change_shows_in_the_response(hello: Emulator) -> None:
    operations.config_set(operations.target_of("hello"), {"GREETING": "second"})
    hello.run_until_idle()
    assert request(_url(hello)) == (200, "hello from build 1: second")
