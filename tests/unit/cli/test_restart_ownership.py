"""Issue 10, defect 6: `ps restart` never restarts a service that is not the app's."""

from __future__ import annotations

import pytest

from orchestrator.adapters.clients import client
from orchestrator.adapters.store import Store
from orchestrator.pipeline import keys
from orchestrator.settings import get_settings
from tests.conftest import recording_calls
from tests.unit.cli.conftest import Cli, one_line_error


def _service(owner: str) -> None:
    ecs = client("ecs")
    cluster = get_settings().cluster_name
    ecs.create_cluster(clusterName=cluster)
    family = ecs.register_task_definition(
        family="shop-web", containerDefinitions=[{"name": "app", "image": "x", "memory": 512}]
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(
        cluster=cluster, serviceName="shop-web", taskDefinition=family, desiredCount=1,
        tags=[{"key": "apppack:appName", "value": owner}],
    )  # fmt: skip
    Store().put({"primary_id": keys.app_pk("shop"), "secondary_id": keys.DEPLOYSTATUS_SK,
                 "value": {"processes": [{"name": "web"}]}})  # fmt: skip


@pytest.mark.usefixtures("shop")
def test_restart_refuses_a_service_tagged_for_another_app(cli: Cli) -> None:
    _service("victim")
    with recording_calls() as calls:
        line = one_line_error(cli("ps", "restart", "-a", "shop"), 1)
    assert line.endswith("ECS service shop-web belongs to app 'victim', not to 'shop'; it was not touched")
    assert calls.count("ecs", "UpdateService") == 0


@pytest.mark.usefixtures("shop")
def test_restart_of_the_apps_own_service(cli: Cli) -> None:
    _service("shop")
    with recording_calls() as calls:
        result = cli("ps", "restart", "-a", "shop")
    assert result.code == 0, result.stderr
    assert calls.count("ecs", "UpdateService") == 1
