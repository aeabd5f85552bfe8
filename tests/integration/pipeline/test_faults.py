"""Issue 10's defects, each reproduced against moto with injected faults (orchestrator/local/faults.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from orchestrator.adapters.clients import client
from orchestrator.adapters.store import Store
from orchestrator.handlers import parameters as parameters_handler
from orchestrator.invocation import handling
from orchestrator.local import moto_patches
from orchestrator.local.faults import FaultInjector, FaultPlan, Outage
from orchestrator.local.ssm_events import config_change
from orchestrator.pipeline import hooks, keys
from orchestrator.pipeline.claims import STALE_AFTER_SECONDS, ClaimPendingError, claimed
from orchestrator.pipeline.deploystatus import deploystatus_value
from orchestrator.settings import get_settings
from tests.integration.pipeline.world import (
    CONTEXT,
    TOML_WEB_ONLY,
    TOML_WEB_WORKER_RELEASE,
    build,
    completed,
    declare,
    deliver,
    item,
    put_parameter,
    record,
    step_task,
    stopped,
    upload_toml,
)


@pytest.fixture(autouse=True)
def _client_tokens_as_in_ecs() -> None:
    moto_patches.apply()  # RunTask / CreateService honour clientToken, as ECS does


@pytest.fixture
def faults() -> Iterator[Any]:
    """`faults(*outages)`: inject these outages into every call until the block ends."""
    active: list[FaultInjector] = []

    def start(*outages: Outage) -> FaultInjector:
        injector = FaultInjector(FaultPlan(outages=outages, only_in_handlers=False))
        injector.__enter__()
        active.append(injector)
        return injector

    yield start
    for injector in active:
        injector.__exit__()


def stop_faults(injector: FaultInjector) -> None:
    injector.__exit__()


def claim_item(app: str, target: str) -> dict[str, Any] | None:
    return Store().get(keys.app_pk(app), keys.claim_sk("SCOPE", "act", target))


def task_definition_revisions(family: str) -> int:
    return len(client("ecs").list_task_definitions(familyPrefix=family)["taskDefinitionArns"])


def tasks_started() -> int:
    ecs, cluster = client("ecs"), get_settings().cluster_name
    return sum(
        len(ecs.list_tasks(cluster=cluster, startedBy="orchestrator", desiredStatus=s)["taskArns"])
        for s in ("RUNNING", "STOPPED")
    )


# --- 1. a stale claim is taken over ---------------------------------------------------------------------


def test_a_stale_claim_of_another_invocation_is_taken_over(aws: None) -> None:
    store = Store()
    stale = int(time.time()) - STALE_AFTER_SECONDS - 1
    store.put({
        "primary_id": keys.app_pk("demo"), "secondary_id": keys.claim_sk("SCOPE", "act", "x"),
        "claim_state": "claimed", "claimed_at": stale, "owner": "crashed-event/act#x",
    })  # fmt: skip
    made: list[int] = []
    with handling("event-2"):
        result, fresh = claimed(store, "demo", "SCOPE", "act", "x", lambda: made.append(1) or {"n": len(made)})
    assert (result, fresh, made) == ({"n": 1}, True, [1])
    after = claim_item("demo", "x")
    assert after is not None
    assert (after["claim_state"], after["owner"]) == ("done", "event-2/act#x")


@pytest.fixture
def crashed_claim(aws: None) -> None:
    with handling("event-1"), pytest.raises(KeyError):
        claimed(Store(), "demo", "SCOPE", "act", "x", lambda: {}["missing"])


def test_a_crashed_attempt_keeps_its_claim_for_its_own_retry(crashed_claim: None) -> None:
    held = claim_item("demo", "x")
    assert held is not None
    assert (held["claim_state"], held["owner"]) == ("claimed", "event-1/act#x")
    with handling("event-2"), pytest.raises(ClaimPendingError):
        claimed(Store(), "demo", "SCOPE", "act", "x", dict)
    with handling("event-1"):  # Lambda's retry of the same event resumes it at once
        result, fresh = claimed(Store(), "demo", "SCOPE", "act", "x", lambda: {"made": True})
    assert (result, fresh) == ({"made": True}, True)


# --- 2. lost responses on the claim and on its "done" write -----------------------------------------------


def test_a_lost_response_on_the_claim_write_is_recognised_as_our_own_claim(aws: None, faults: Any) -> None:
    faults(Outage("dynamodb", "PutItem", "lost_response", attempts=1))
    made: list[int] = []
    with handling("event-1"):
        result, fresh = claimed(Store(), "demo", "SCOPE", "act", "x", lambda: made.append(1) or {"ok": 1})
    assert (result, fresh, made) == ({"ok": 1}, True, [1])
    assert (claim_item("demo", "x") or {})["claim_state"] == "done"


def test_a_failed_done_write_is_resumed_by_the_retry_without_repeating_the_side_effect(
    aws: None, faults: Any
) -> None:
    made: list[int] = []

    def perform() -> dict[str, Any]:
        made.append(1)
        return {"arn": "made-once"}

    def resume() -> dict[str, Any] | None:  # what an API without a client token finds of the first attempt
        return {"arn": "made-once"} if made else None

    injector = faults(Outage("dynamodb", "UpdateItem", "throttle", attempts=6))  # outlasts the SDK's retries
    with handling("event-1"), pytest.raises(ClientError, match="Throttling"):
        claimed(Store(), "demo", "SCOPE", "act", "x", perform, resume=resume)
    stop_faults(injector)
    assert (claim_item("demo", "x") or {})["claim_state"] == "claimed"
    with handling("event-1"):  # Lambda's retry
        result, _ = claimed(Store(), "demo", "SCOPE", "act", "x", perform, resume=resume)
    assert result == {"arn": "made-once"}
    assert made == [1]
    assert (claim_item("demo", "x") or {})["claim_state"] == "done"


def test_a_lost_release_claim_response_still_starts_the_release(aws: None, faults: Any) -> None:
    declare()
    upload_toml("demo", 1, TOML_WEB_WORKER_RELEASE)
    events = build()
    deliver(*events[:-1])
    faults(Outage("dynamodb", "PutItem", "lost_response", attempts=1, after=0))
    deliver(events[-1])
    assert record()["release"]["state"] == "started"
    assert tasks_started() == 1


# --- 3. a throttle is retried, never recorded as a failure --------------------------------------------


def test_a_throttled_run_task_raises_for_lambda_to_retry_and_the_retry_releases(aws: None, faults: Any) -> None:
    declare()
    upload_toml("demo", 1, TOML_WEB_WORKER_RELEASE)
    events = build()
    deliver(*events[:-1])
    injector = faults(Outage("ecs", "RunTask", "throttle", attempts=6))
    with pytest.raises(ClientError, match="Throttling"):
        deliver(events[-1])
    assert "release" not in record() or record()["release"].get("state") != "failed"
    assert item(keys.app_pk("demo"), keys.DEPLOYSTATUS_SK) is None
    stop_faults(injector)
    deliver(events[-1])  # Lambda's retry of the same event
    assert record()["release"]["state"] == "started"
    assert tasks_started() == 1


def test_a_throttled_update_service_leaves_the_deploy_to_the_retry(aws: None, faults: Any) -> None:
    declare()
    upload_toml("demo", 1, TOML_WEB_WORKER_RELEASE)
    deliver(*build())
    release_stopped = stopped(step_task("demo", 1, "release"))
    injector = faults(Outage("ecs", "CreateService", "server_error", attempts=6, after=1))  # the second service
    with pytest.raises(ClientError):
        deliver(release_stopped)
    assert record().get("deploy") is None  # not recorded as failed
    stop_faults(injector)
    deliver(release_stopped)
    final = record()
    assert final["deploy"]["state"] == "started"
    assert sorted(final["services"]) == ["web", "worker"]
    assert len(client("ecs").list_services(cluster=get_settings().cluster_name)["serviceArns"]) == 2


def test_a_refused_create_service_fails_the_deploy_with_the_reason(aws: None, faults: Any) -> None:
    declare()
    upload_toml("demo", 1, TOML_WEB_ONLY)
    faults(Outage("ecs", "CreateService", "refused", attempts=1, code="InvalidParameterException"))
    deliver(*build())
    final = record()
    assert final["deploy"]["state"] == "failed"
    assert "CreateService refused (InvalidParameterException)" in final["deploy"]["error"]


# --- 4. the post-deploy hook's errors are retried, never lost -----------------------------------------


def test_a_failing_post_deploy_hook_is_retried_until_it_succeeds(aws: None) -> None:
    calls: list[int] = []

    def flaky(app: str, number: int, task_definitions: dict[str, str]) -> None:
        calls.append(number)
        if len(calls) == 1:
            raise RuntimeError("SSM throttled")

    hooks.register(flaky)
    try:
        declare()
        upload_toml("demo", 1, TOML_WEB_ONLY)
        deliver(*build())
        (done,) = completed("demo", 1)
        with pytest.raises(hooks.DeployHooksError, match="SSM throttled"):
            deliver(done)
        deployed = item(keys.app_pk("demo"), keys.DEPLOYED_SK) or {}
        assert (deployed["hooks"], deployed["build_number"]) == ("pending", 1)
        assert "SSM throttled" in deployed["hooks_error"]
        deliver(done)  # Lambda's retry (or a redrive)
        deployed = item(keys.app_pk("demo"), keys.DEPLOYED_SK) or {}
        assert (deployed["hooks"], deployed["hooks_error"]) == ("done", "")
        deliver(done)  # a late duplicate runs nothing again
        assert calls == [1, 1]
    finally:
        hooks.unregister(flaky)


# --- 5. a config change during the release window is deployed ---------------------------------------------


def services_secrets() -> dict[str, list[str]]:
    ecs, cluster = client("ecs"), get_settings().cluster_name
    found = {}
    for service in ecs.describe_services(cluster=cluster, services=["demo-web"])["services"]:
        definition = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
        found[service["serviceName"]] = sorted(s["name"] for s in definition["containerDefinitions"][0]["secrets"])
    return found


def set_config(var: str) -> None:
    name = f"/{get_settings().ssm_prefix}/apps/demo/config/{var}"
    put_parameter(name, "value")
    parameters_handler.handler(config_change(name), CONTEXT)  # type: ignore[arg-type]


def test_a_config_change_while_the_first_release_runs_reaches_the_first_deploy(aws: None) -> None:
    declare()
    upload_toml("demo", 1, TOML_WEB_WORKER_RELEASE)
    deliver(*build())  # release task running
    set_config("DATABASE_URL")  # "recorded: the first deploy uses these config names"
    deliver(stopped(step_task("demo", 1, "release")))
    assert services_secrets() == {"demo-web": ["DATABASE_URL"]}


def test_a_config_change_while_a_release_runs_is_not_lost_by_its_deploy(aws: None) -> None:
    declare()
    upload_toml("demo", 1, TOML_WEB_ONLY)
    deliver(*build())
    deliver(*completed("demo", 1))
    upload_toml("demo", 2, TOML_WEB_WORKER_RELEASE)
    deliver(*build(number=2))  # build 2's release task is running; its task definitions are registered
    set_config("SECRET_KEY")  # applied to build 1's services
    deliver(stopped(step_task("demo", 2, "release")))
    assert services_secrets() == {"demo-web": ["SECRET_KEY"]}
    assert record(number=2)["deploy"]["state"] == "started"


# --- 9. simultaneous pushes end in final states ---------------------------------------------------------


def test_quick_pushes_leave_no_deploy_open(aws: None) -> None:
    declare()
    for number in (1, 2, 3):
        upload_toml("demo", number, TOML_WEB_ONLY)
        deliver(*build(number=number))  # each deploys before the previous one's deployment completes
    deliver(*completed("demo", 3))
    for number in (1, 2):
        replaced = record(number=number)
        assert replaced["deploy"]["state"] == "failed"
        assert replaced["superseded_by"] == number + 1
        assert "superseded by build" in replaced["deploy"]["error"]
    assert record(number=3)["deploy"]["state"] == "succeeded"
    status = deploystatus_value(item(keys.app_pk("demo"), keys.DEPLOYSTATUS_SK)) or {}
    assert (status["build_number"], status["failed"]) == (3, False)


# --- 11. RegisterTaskDefinition after a lost response --------------------------------------------------


def test_a_lost_register_response_does_not_register_a_second_revision(aws: None, faults: Any) -> None:
    declare()
    upload_toml("demo", 1, TOML_WEB_ONLY)
    faults(Outage("ecs", "RegisterTaskDefinition", "lost_response", attempts=1))
    deliver(*build())
    assert task_definition_revisions("demo-web") == 1
    assert record()["plan"]["processes"]["web"]["task_definition"].endswith("demo-web:1")


def test_a_resumed_register_claim_finds_the_revision_of_the_crashed_attempt(aws: None, faults: Any) -> None:
    declare()
    upload_toml("demo", 1, TOML_WEB_ONLY)
    events = build()
    deliver(*events[:-1])
    # the revision is registered, then recording the claim done fails for good: the event is retried
    injector = faults(Outage("dynamodb", "UpdateItem", "throttle", attempts=6))
    with pytest.raises(ClientError):
        deliver(events[-1])
    stop_faults(injector)
    deliver(events[-1])
    assert task_definition_revisions("demo-web") == 1
    assert record()["deploy"]["state"] == "started"
