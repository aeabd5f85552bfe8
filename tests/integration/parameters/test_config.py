"""Config variables against moto: names (never values) as secrets, rollouts, review apps, bursts, deploys."""

from __future__ import annotations

from orchestrator.adapters.clients import client
from orchestrator.adapters.store import Store
from orchestrator.parameters.deploy_hook import on_deployed
from orchestrator.parameters.schedules import rule_name
from orchestrator.pipeline import keys
from tests.conftest import recording_calls
from tests.integration.builders import declare_app
from tests.integration.parameters.helpers import (
    config_name,
    delete,
    deliver,
    deploy,
    name_of,
    prefix,
    put,
    rules,
    services,
    state,
    task_definition,
)


def secrets_of(service: str, app: str = "demo") -> dict[str, str]:
    arn = services(app)[service]["taskDefinition"]
    return {s["name"]: s["valueFrom"] for s in task_definition(arn)["containerDefinitions"][0].get("secrets", [])}


def arn(name: str) -> str:
    return f"arn:aws:ssm:us-east-1:123456789012:parameter{name}"


def test_create_update_delete_roll_the_services_without_reading_values(app: str) -> None:
    deploy(app)
    deliver(put(name_of(app, "scheduled-tasks"), [{"schedule": "0 0 * * ? *", "command": "true"}]))
    with recording_calls() as calls:
        [created] = deliver(put(config_name(app, "DATABASE_URL"), "postgres://secret", "SecureString"))
    assert created["status"] == "applied"
    assert secrets_of("demo-web") == {"DATABASE_URL": arn(config_name(app, "DATABASE_URL"))}
    assert secrets_of("demo-worker") == {"DATABASE_URL": arn(config_name(app, "DATABASE_URL"))}
    assert calls.count("ecs", "RegisterTaskDefinition") == 2
    assert calls.count("ecs", "UpdateService") == 2
    # Values are never read: no GetParameter(s) on config, never WithDecryption.
    assert calls.count("ssm", "GetParameters") == 0
    assert not [p for service, op, p in calls.params if service == "ssm" and "WithDecryption" in str(p)]
    assert not [p for service, op, p in calls.params if op == "GetParameter" and "/config/" in str(p)]
    # The scheduled task follows the new revision.
    web_td = services()["demo-web"]["taskDefinition"]
    assert [td for td, _ in rules()[rule_name(app, "0 0 * * ? *")]["targets"]] == [web_td]

    # A value update with the same names still restarts the tasks (a new revision → a new deployment).
    [updated] = deliver(put(config_name(app, "DATABASE_URL"), "postgres://other", "SecureString"))
    assert updated["status"] == "applied"
    assert services()["demo-web"]["taskDefinition"] != web_td
    assert secrets_of("demo-web") == {"DATABASE_URL": arn(config_name(app, "DATABASE_URL"))}

    deliver(put(config_name(app, "SECRET_KEY"), "k", "SecureString"))
    assert set(secrets_of("demo-web")) == {"DATABASE_URL", "SECRET_KEY"}

    [deleted] = deliver(delete(config_name(app, "DATABASE_URL"), "SecureString"))
    assert deleted["status"] == "applied"
    assert set(secrets_of("demo-web")) == {"SECRET_KEY"}
    assert state(app, "config")["applied"]["desired"] == {
        "variables": ["SECRET_KEY"],
        "secrets": {"SECRET_KEY": arn(config_name(app, "SECRET_KEY"))},
    }


def test_sizes_survive_a_config_rollout(app: str) -> None:
    deploy(app)
    deliver(
        put(name_of(app, "scaling"), {"web": {"cpu": 1024, "memory": 4096, "min_processes": 2, "max_processes": 2}})
    )
    deliver(put(config_name(app, "A"), "1", "SecureString"))
    web = task_definition(services()["demo-web"]["taskDefinition"])
    assert (web["cpu"], web["memory"]) == ("1024", "4096")
    assert services()["demo-web"]["desiredCount"] == 2


WORKER_RESIZE = {"worker": {"cpu": 1024, "memory": 2048, "min_processes": 1, "max_processes": 1}}


def test_a_resize_does_not_roll_out_a_config_change_whose_event_is_still_on_its_way(app: str) -> None:
    deploy(app)
    deliver(put(config_name(app, "A"), "1", "SecureString"))
    added = put(config_name(app, "B"), "2", "SecureString")  # its event is late
    [resized] = deliver(put(name_of(app, "scaling"), WORKER_RESIZE))
    assert resized["status"] == "applied"
    assert set(secrets_of("demo-worker")) == {"A"}  # the config handler's view, not the live names
    removed = delete(config_name(app, "B"), "SecureString")
    assert [r["status"] for r in deliver(added, removed)] == ["unchanged", "unchanged"]  # names are back to {A}
    assert set(secrets_of("demo-web")) == set(secrets_of("demo-worker")) == {"A"}


def test_config_names_that_come_back_keep_the_sizes_changed_meanwhile(app: str) -> None:
    deploy(app)
    deliver(put(config_name(app, "A"), "1", "SecureString"))
    deliver(put(name_of(app, "scaling"), WORKER_RESIZE))
    deliver(put(config_name(app, "B"), "2", "SecureString"))
    deliver(delete(config_name(app, "B"), "SecureString"))  # the same names and versions as after the first
    worker = task_definition(services()["demo-worker"]["taskDefinition"])
    assert (worker["cpu"], worker["memory"]) == ("1024", "2048")
    assert set(secrets_of("demo-worker")) == {"A"}


def test_a_burst_is_coalesced_and_ends_with_the_last_set_of_names(app: str) -> None:
    deploy(app)
    events = [put(config_name(app, f"VAR_{i}"), str(i), "SecureString") for i in range(5)]
    events.append(delete(config_name(app, "VAR_0"), "SecureString"))
    with recording_calls() as calls:
        results = deliver(*events)
    assert [r["status"] for r in results] == ["applied"] + ["unchanged"] * 5  # each handler reads the final state
    assert calls.count("ecs", "RegisterTaskDefinition") == 2  # one rollout (two process types)
    assert set(secrets_of("demo-web")) == {"VAR_1", "VAR_2", "VAR_3", "VAR_4"}


def test_review_apps_merge_the_pipeline_config_and_win(app: str) -> None:
    declare_app("pipe", kind="pipeline")
    base = f"/{prefix()}/pipelines/pipe"
    client("ssm").put_parameter(Name=f"{base}/config/SHARED", Value="p", Type="SecureString")
    client("ssm").put_parameter(Name=f"{base}/config/BOTH", Value="p", Type="SecureString")
    deploy("pipe:3", processes={"web": "serve"})
    own = f"{base}/review-apps/pr/3/config/BOTH"
    [result] = deliver(put(own, "mine", "SecureString"))
    assert result["status"] == "applied"
    assert secrets_of("pipe-pr3-web", "pipe:3") == {"SHARED": arn(f"{base}/config/SHARED"), "BOTH": arn(own)}

    # A pipeline change reaches every review app.
    [pipeline_result] = deliver(put(f"{base}/config/NEW", "n", "SecureString"))
    assert [t["status"] for t in pipeline_result["targets"]] == ["applied"]
    assert set(secrets_of("pipe-pr3-web", "pipe:3")) == {"SHARED", "BOTH", "NEW"}


def test_before_the_first_deploy_only_the_names_are_recorded(app: str) -> None:
    with recording_calls() as calls:
        [result] = deliver(put(config_name(app, "A"), "1", "SecureString"))
    assert result["status"] == "recorded"
    assert calls.count("ecs", "RegisterTaskDefinition") == 0
    deployed = deploy(app)  # the deploy reads the names itself
    assert set(secrets_of("demo-web")) == {"A"}
    with recording_calls() as calls:
        on_deployed(app, 1, deployed)
    assert calls.count("ecs", "RegisterTaskDefinition") == 0  # nothing deferred: no second rollout


def test_a_change_during_a_deploy_is_applied_when_the_deploy_ends(app: str) -> None:
    deploy(app)
    store = Store()
    store.put({"primary_id": keys.app_pk(app), "secondary_id": keys.DEPLOY_CLAIM_SK, "build_number": 2})
    with recording_calls() as calls:
        [result] = deliver(put(config_name(app, "LATE"), "1", "SecureString"))
    assert result["status"] == "deferred"
    assert calls.count("ecs", "RegisterTaskDefinition") == 0
    # Build 2 deploys (say it registered its revisions before LATE existed) and the hook catches up.
    client("ssm").delete_parameter(Name=config_name(app, "LATE"))
    second = deploy(app, build_number=2)
    client("ssm").put_parameter(Name=config_name(app, "LATE"), Value="1", Type="SecureString")
    assert "LATE" not in secrets_of("demo-web")
    on_deployed(app, 2, second)
    assert "LATE" in secrets_of("demo-web")
    assert "deferred" not in state(app, "config")
