"""DESIGN's pipeline rules at the edges: late events for finished builds, deploys that fail at the ECS API.

Each test drives the real handlers against moto.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any

import pytest
from botocore.exceptions import ClientError

from orchestrator.adapters.aws_errors import RequestRefusedError
from orchestrator.adapters.ecs import Ecs
from orchestrator.adapters.store import Store
from orchestrator.pipeline import keys
from orchestrator.pipeline.deploy import write_scaled_deploy_status
from orchestrator.pipeline.deploystatus import deploystatus_value
from orchestrator.pipeline.taskdefs import ProcessSize
from tests.conftest import CallRecorder
from tests.integration.pipeline.world import (
    TOML_WEB_ONLY,
    TOML_WEB_WORKER_RELEASE,
    build,
    completed,
    declare,
    deliver,
    ecs_writes,
    item,
    record,
    step_task,
    stopped,
    upload_toml,
)


def redelivered(event: dict[str, Any]) -> dict[str, Any]:
    """The same event delivered again by EventBridge with a new id (idempotency does not absorb it)."""
    return dict(event, id=f"{event['id']}-again")


def deploy_fully(number: int, toml: str = TOML_WEB_WORKER_RELEASE, seconds: int = 0) -> list[dict[str, Any]]:
    """Build, release and deploy `number` of app demo; returns the events that did it."""
    upload_toml("demo", number, toml)
    events = build(number=number)
    deliver(*events)
    release = stopped(step_task("demo", number, "release"), seconds=120 + seconds)
    deliver(release)
    done = completed("demo", number, seconds=300 + seconds)
    deliver(*done)
    assert record(number=number)["deploy"]["state"] == "succeeded"
    return [*events, release, *done]


def test_late_events_of_a_deployed_build_do_not_mark_it_superseded(aws: None, api_calls: CallRecorder) -> None:
    """Build 1 deployed; build 2 deployed after it. Build 1's SUCCEEDED and release STOPPED events come again:
    build 1's record keeps saying it deployed (superseded_by means "deployed nothing"), and nothing is called."""
    declare()
    first = deploy_fully(1)
    deploy_fully(2, seconds=1000)
    before = record(number=1)
    writes = len(ecs_writes(api_calls))

    succeeded, release_stopped = first[len(build()) - 1], first[len(build())]
    assert succeeded["detail"].get("build-status") == "SUCCEEDED"
    deliver(redelivered(succeeded), redelivered(release_stopped))

    after = record(number=1)
    assert "superseded_by" not in after
    assert after == before
    assert len(ecs_writes(api_calls)) == writes


def test_a_deploy_that_fails_at_the_ecs_api_ends_with_a_failed_deploystatus(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CreateService refused: the deploy ends failed, and DEPLOYSTATUS says so. Without it the app's deploy
    claim names a build that never ends, and parameter changes wait for that deploy forever."""
    declare()
    upload_toml("demo", 1, TOML_WEB_ONLY)

    def refuse(self: Ecs, request: dict[str, Any]) -> Any:
        refused = ClientError({"Error": {"Code": "InvalidParameterException", "Message": "no"}}, "CreateService")
        raise RequestRefusedError(refused)  # what the adapter makes of a final error

    monkeypatch.setattr(Ecs, "create_service", refuse)
    deliver(*build())

    final = record()
    assert final["deploy"]["state"] == "failed"
    assert "InvalidParameterException" in final["deploy"]["error"]
    status = deploystatus_value(item(keys.app_pk("demo"), keys.DEPLOYSTATUS_SK))
    assert status is not None
    assert (status["phase"], status["failed"], status["build_number"]) == ("deploy", True, 1)
    assert status["build_id"] == final["build_arn"]


def item_calls(calls: CallRecorder, start: int = 0) -> Counter[tuple[str, str]]:
    """(operation, item kind) of the pipeline's DynamoDB item calls since `start`: the kind is the sort key,
    without a build number (BUILD#), or the lookup's partition prefix (TASK#, DEPLOYMENT#, CODEBUILD#)."""
    counted: Counter[tuple[str, str]] = Counter()
    for service, operation, params in calls.params[start:]:
        if service != "dynamodb" or operation not in ("GetItem", "PutItem", "UpdateItem"):
            continue
        body = json.loads(params) if isinstance(params, bytes | str) else params
        key = body.get("Key") or body.get("Item") or {}
        pk, sk = key.get("primary_id", {}).get("S", ""), key.get("secondary_id", {}).get("S", "")
        if not pk.startswith(("APP#", "TASK#", "DEPLOYMENT#", "CODEBUILD#")):
            continue  # idempotency records
        if sk == keys.LOOKUP_SK:
            kind = pk.split("#")[0] + "#"
        elif sk.startswith(keys.BUILD_PREFIX):
            kind = keys.BUILD_PREFIX
        elif sk.startswith(keys.CLAIM_PREFIX + keys.BUILD_PREFIX):
            kind = keys.CLAIM_PREFIX + keys.BUILD_PREFIX
        else:
            kind = sk
        counted[(operation, kind)] += 1
    return counted


def test_each_event_reads_each_item_once_and_deployed_items_are_written_without_a_read(
    aws: None, api_calls: CallRecorder
) -> None:
    """The record, CONFIG#ecs and the deploy claim are read at most once per event and passed along, and the
    release task's outcome is written with the deploy's write; the deploy claim is one
    conditional write; the release is one transaction; DEPLOYSTATUS and DEPLOYED are conditional writes, in
    one transaction with the release's status. Notifications (orchestrator/notifications/publish.py) get the
    record the step stored, and mark what they published with one more write when there was any."""
    declare()
    upload_toml("demo", 1, TOML_WEB_WORKER_RELEASE)
    events = build()
    deliver(*events[:-1])

    mark = len(api_calls.params)
    deliver(events[-1])  # SUCCEEDED: plan, register, RunTask the release
    succeeded = item_calls(api_calls, mark)
    # The event is one forward-only UpdateItem (no read: issue 17); the notifications reuse the record the
    # release step stored (no read either).
    assert succeeded[("GetItem", "BUILD#")] == 0
    assert succeeded[("GetItem", keys.CONFIG_ECS_SK)] == 1
    assert succeeded[("GetItem", keys.DEPLOY_CLAIM_SK)] == 1
    # The event; the plan is stored before RunTask (a task found by its tags needs it), then the release
    # started; + notified. Each later write sends only what changed (an UpdateItem: Store.update's image).
    assert succeeded[("UpdateItem", "BUILD#")] == 1 + 2 + 1
    assert succeeded[("PutItem", "BUILD#")] == 0

    release_stopped = stopped(step_task("demo", 1, "release"))
    mark = len(api_calls.params)
    deliver(release_stopped)  # exit 0: deploy
    released = item_calls(api_calls, mark)
    assert released[("GetItem", "BUILD#")] == 1  # the notifications get the record the deploy step stored
    assert released[("GetItem", keys.CONFIG_ECS_SK)] == 1
    assert released[("GetItem", keys.DEPLOY_CLAIM_SK)] == 0  # the newest-build-wins claim: one conditional write
    assert released[("UpdateItem", keys.DEPLOY_CLAIM_SK)] == 1
    assert released[("UpdateItem", "BUILD#")] == 1 + 1  # release succeeded with deploy started; + notified
    assert released[("PutItem", "BUILD#")] == 0
    releases = [o for s, o, _ in api_calls.params[mark:] if o in ("Query", "TransactWriteItems")]
    assert releases == ["Query", "TransactWriteItems"]  # the next version; RELEASE and RELEASESCOPE at once

    first, last = completed("demo", 1)
    deliver(first)
    mark = len(api_calls.params)
    deliver(last)
    ended = item_calls(api_calls, mark)
    for sk in (keys.DEPLOYSTATUS_SK, keys.DEPLOYED_SK):
        assert ended[("GetItem", sk)] == 0
        assert ended[("PutItem", sk)] == 0
    # DEPLOYSTATUS, DEPLOYED (hooks pending) and the release's status: one transaction; then hooks done.
    assert [o for s, o, _ in api_calls.params[mark:] if o == "TransactWriteItems"] == ["TransactWriteItems"]
    assert ended[("UpdateItem", keys.DEPLOYSTATUS_SK)] == 0
    assert ended[("UpdateItem", keys.DEPLOYED_SK)] == 1
    assert all(kind != "RELEASESCOPE#BUILD#1#deploy" for _, kind in ended)  # the record names its release
    assert item(keys.app_pk("demo"), keys.DEPLOYSTATUS_SK) is not None
    assert item(keys.app_pk("demo"), keys.DEPLOYED_SK) is not None


def test_a_stale_record_passed_along_costs_a_retry_never_a_lost_write(aws: None) -> None:
    """change_record(current=...) skips the read; a record someone changed since is read again and merged."""
    from orchestrator.adapters.store import Store
    from orchestrator.pipeline.record_store import change_record, load_record, with_phase
    from orchestrator.pipeline.records import Phase, PhaseState

    store = Store()
    _, first = change_record(store, "demo", 1, lambda r: with_phase(r, "build", Phase(state=PhaseState.STARTED)))
    stale = load_record(store, "demo", 1)
    assert stale == first
    change_record(store, "demo", 1, lambda r: with_phase(r, "test", Phase(state=PhaseState.SUCCEEDED, end=5)))

    _, after = change_record(
        store, "demo", 1, lambda r: with_phase(r, "build", Phase(state=PhaseState.SUCCEEDED, end=9)), current=stale
    )
    stored = load_record(store, "demo", 1)
    assert stored == after
    assert stored is not None
    assert stored.test is not None
    assert stored.test.state is PhaseState.SUCCEEDED  # the write in between is kept
    assert stored.build is not None
    assert stored.build.state is PhaseState.SUCCEEDED

    # "Unchanged" is only concluded from the stored record: a stale record that already holds the change
    # still gets it written when the stored one lacks it.
    store.put({**(stored.to_item()), "deploy": None, "release": None})
    ahead = stored.model_copy(update={"release": Phase(state=PhaseState.SUCCEEDED, end=1)})
    _, written = change_record(
        store, "demo", 1, lambda r: with_phase(r, "release", Phase(state=PhaseState.SUCCEEDED, end=1)), current=ahead
    )
    assert written.release is not None
    assert written.release.state is PhaseState.SUCCEEDED
    reloaded = load_record(store, "demo", 1)
    assert reloaded is not None
    assert reloaded.release is not None


def test_newest_wins_writes_keep_other_attributes_and_never_go_back(aws: None) -> None:
    from orchestrator.adapters.store import VERSION_ATTR, Store

    store = Store()

    def write(number: int, replace_equal: bool, **fields: Any) -> bool:
        return store.set_fields_unless_newer(
            "APP#demo", "X", {"build_number": number, **fields}, order="build_number", replace_equal=replace_equal
        )

    assert write(2, True, phase="deploy", processes=[{"name": "web"}])
    assert write(2, True, phase="complete")  # the same build may rewrite its own status
    assert not write(2, False, phase="again")  # ... unless only a newer build may write
    assert not write(1, True, phase="older")  # an older build never does
    assert write(3, False, phase="newer")
    stored = store.get("APP#demo", "X")
    assert stored is not None
    assert (stored["build_number"], stored["phase"]) == (3, "newer")
    assert stored["processes"] == [{"name": "web"}]  # attributes not written are kept
    assert stored[VERSION_ATTR] == 3  # versioned, so an optimistic update in flight retries


@pytest.mark.parametrize(("exit_code", "stop_code"), [(2, "EssentialContainerExited"), (None, "TaskFailedToStart")])
def test_a_failed_release_writes_a_failed_deploystatus_and_keeps_what_runs(
    aws: None, api_calls: CallRecorder, exit_code: int | None, stop_code: str
) -> None:
    """Build 1 runs; build 2's release fails: DEPLOYSTATUS names build 2, phase release, failed, with the
    processes that still run (build 1's); nothing is deployed."""
    declare()
    deploy_fully(1)
    running = deploystatus_value(item(keys.app_pk("demo"), keys.DEPLOYSTATUS_SK))
    assert running is not None
    upload_toml("demo", 2, TOML_WEB_WORKER_RELEASE)
    deliver(*build(number=2))
    writes = len(ecs_writes(api_calls))

    failed = stopped(step_task("demo", 2, "release"), exit_code=exit_code, seconds=900, stop_code=stop_code)
    deliver(failed, redelivered(failed))

    status = deploystatus_value(item(keys.app_pk("demo"), keys.DEPLOYSTATUS_SK))
    assert status is not None
    second = record(number=2)
    assert (status["phase"], status["failed"], status["build_number"]) == ("release", True, 2)
    assert (status["build_id"], status["commit"]) == (second["build_arn"], second["commit"])
    assert status["last_update"] == second["release"]["end"]
    assert status["processes"] == running["processes"]
    assert len(ecs_writes(api_calls)) == writes  # nothing deployed
    deployed = item(keys.app_pk("demo"), keys.DEPLOYED_SK)
    assert deployed is not None
    assert deployed["build_number"] == 1


def test_a_release_that_fails_first_has_an_empty_process_list(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """RunTask placed no task (the release never started) on the app's first build."""
    from orchestrator.adapters.ecs import RunTaskResult
    from orchestrator.pipeline.deploy import read_deploy_status

    declare()
    upload_toml("demo", 1, TOML_WEB_WORKER_RELEASE)
    monkeypatch.setattr(Ecs, "run_task", lambda self, request: RunTaskResult(None, ["RESOURCE:MEMORY"]))
    deliver(*build())
    assert "RunTask placed no task: RESOURCE:MEMORY" in record()["release"]["error"]
    status = read_deploy_status("demo")
    assert status is not None
    assert (status.phase, status.failed, status.build_number, status.processes) == ("release", True, 1, [])


def test_a_late_release_failure_never_replaces_a_newer_builds_deploystatus(aws: None) -> None:
    declare()
    upload_toml("demo", 1, TOML_WEB_WORKER_RELEASE)
    deliver(*build(number=1))
    slow_release = step_task("demo", 1, "release")
    deploy_fully(2, seconds=100)
    newest_item = item(keys.app_pk("demo"), keys.DEPLOYSTATUS_SK)
    newest = deploystatus_value(newest_item)
    assert newest is not None
    assert (newest["build_number"], newest["phase"]) == (2, "complete")

    deliver(stopped(slow_release, exit_code=1, seconds=900))
    assert record(number=1)["release"]["state"] == "failed"
    assert item(keys.app_pk("demo"), keys.DEPLOYSTATUS_SK) == newest_item


def test_transient_items_expire_and_records_do_not(aws: None) -> None:
    """TASK#/DEPLOYMENT# lookups and done CLAIM# items carry the table's TTL attribute (30 days on); the
    records (BUILD#, DEPLOYSTATUS, DEPLOYED) and the app's CLAIM#deploy never expire."""
    from orchestrator.adapters.store import EXPIRATION_ATTR, Store
    from orchestrator.pipeline.claims import TRANSIENT_TTL_SECONDS

    declare()
    earliest = int(time.time())
    deploy_fully(1)
    latest = int(time.time())
    store = Store()
    final = record()
    lookups = [
        (keys.task_pk(final["release"]["arns"][0]), keys.LOOKUP_SK),
        *((keys.deployment_pk(s["deployment_id"]), keys.LOOKUP_SK) for s in final["services"].values()),
    ]
    claims = [(keys.app_pk("demo"), c["secondary_id"]) for c in store.query(keys.app_pk("demo"), "CLAIM#BUILD#")]
    assert len(lookups) == 3
    # one claim per step (pipeline/claims.py claimed_step): the 3 task definitions (web, worker, shell) and the
    # 2 services (the release's RunTask has a client token, no claim). The 6 published state changes were
    # leased in the record itself (notifications/leases.py): no item, and no lease left once published.
    assert len(claims) == 2
    assert len(final["notified"]) == 6
    assert "publishing" not in final
    for pk, sk in [*lookups, *claims]:
        found = store.get(pk, sk)
        assert found is not None
        assert earliest + TRANSIENT_TTL_SECONDS <= found[EXPIRATION_ATTR] <= latest + TRANSIENT_TTL_SECONDS, (pk, sk)
    for sk in (keys.build_sk(1), keys.DEPLOYSTATUS_SK, keys.DEPLOYED_SK, keys.DEPLOY_CLAIM_SK):
        found = store.get(keys.app_pk("demo"), sk)
        assert found is not None
        assert EXPIRATION_ATTR not in found, sk


def test_a_claim_still_being_made_does_not_expire(aws: None) -> None:
    """Only a done claim expires: one in progress must keep blocking duplicates until it is done or stale."""
    from orchestrator.adapters.store import EXPIRATION_ATTR, Store
    from orchestrator.pipeline.claims import claimed

    store = Store()
    seen: list[Any] = []

    def perform() -> dict[str, Any]:
        seen.append(store.get(keys.app_pk("demo"), keys.claim_sk("BUILD#0000000001", "run-task", "release")))
        return {"task_arn": "arn"}

    claimed(store, "demo", "BUILD#0000000001", "run-task", "release", perform)
    assert seen[0] is not None
    assert EXPIRATION_ATTR not in seen[0]
    done = store.get(keys.app_pk("demo"), keys.claim_sk("BUILD#0000000001", "run-task", "release"))
    assert done is not None
    assert EXPIRATION_ATTR in done


def test_a_late_deployment_complete_event_keeps_an_applied_scaling_in_deploystatus(aws: None) -> None:
    """Regression: build 1 deployed, then `ps scale web 1-3` applied to its DEPLOYSTATUS; ECS delivers the
    deployment-complete events again. DEPLOYSTATUS keeps the scaled sizes (it was rewritten with the plan's)."""
    declare()
    events = deploy_fully(1)
    pk, sk = keys.app_pk("demo"), keys.DEPLOYSTATUS_SK
    status = deploystatus_value(item(pk, sk))
    assert status is not None
    size = ProcessSize(cpu=1024, memory=2048, min_processes=1, max_processes=3)
    assert write_scaled_deploy_status(Store(), "demo", 1, status["processes"], {"web": size})

    deliver(*(redelivered(e) for e in events if e.get("source") == "aws.ecs"))

    after = deploystatus_value(item(pk, sk))
    assert after is not None
    web = next(p for p in after["processes"] if p["name"] == "web")
    assert (web["cpu"], web["memory"], web["min_processes"], web["max_processes"]) == ("1024", "2048", 1, 3)
    assert (after["phase"], after["build_number"]) == ("complete", 1)
