"""Issue 10, defect 6: a parameter change never acts on a service (or family) that is not the app's."""

from __future__ import annotations

from orchestrator.adapters.clients import client
from orchestrator.settings import get_settings
from tests.conftest import recording_calls
from tests.integration.parameters.helpers import config_name, deliver, deploy, mutating_calls, name_of, put, state

SIZE = {"cpu": 256, "memory": 512, "min_processes": 2, "max_processes": 4}


def _retag(service: str, app: str) -> None:
    ecs = client("ecs")
    arn = ecs.describe_services(cluster=get_settings().cluster_name, services=[service])["services"][0]["serviceArn"]
    ecs.tag_resource(resourceArn=arn, tags=[{"key": "apppack:appName", "value": app}])


def test_scaling_a_foreign_service_is_a_recorded_error_and_no_action(app: str) -> None:
    deploy(app)
    _retag("demo-worker", "victim")
    with recording_calls() as calls:
        [result] = deliver(put(name_of(app, "scaling"), {"web": SIZE, "worker": SIZE}))
    assert result["status"] == "rejected"
    message = state(app, "scaling")["error"]["message"]
    assert message == "ECS service demo-worker belongs to app 'victim', not to 'demo'; it was not touched"
    assert mutating_calls(calls) == {}  # not even the app's own web service: nothing half-applied


def test_a_config_change_never_registers_into_a_foreign_family(app: str) -> None:
    deploy(app)
    client("ecs").register_task_definition(
        family="demo-worker",
        containerDefinitions=[{"name": "app", "image": "victim:1", "memory": 512}],
        tags=[{"key": "apppack:appName", "value": "victim"}],
    )
    with recording_calls() as calls:
        [result] = deliver(put(config_name(app, "API_KEY"), "secret", "SecureString"))
    assert result["status"] == "rejected"
    assert "task-definition family demo-worker belongs to app 'victim'" in state(app, "config")["error"]["message"]
    assert ("ecs", "UpdateService") not in mutating_calls(calls)
