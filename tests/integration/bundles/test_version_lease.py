"""The lease of a bundle version (one deploy of it at a time): taken with one conditional put, given back
with one conditional delete, and whoever holds it is said when it is refused."""

from __future__ import annotations

import pytest

from orchestrator.adapters.store import Store
from orchestrator.bundles import deploy
from orchestrator.bundles.deploy import DeployInProgressError, _acquire_lease, _release_lease
from orchestrator.bundles.plan import DeployPlan
from orchestrator.bundles.records import app_pk, lease_sk
from tests.conftest import CallRecorder

PLAN = DeployPlan("my_app", "v1", [], [], "manifests/my_app_v1.json", {}, {})


def lease() -> dict[str, object] | None:
    return Store().get(app_pk("my_app"), lease_sk("v1"))


@pytest.mark.usefixtures("aws")
def test_a_free_lease_is_taken_and_given_back_in_one_call_each(api_calls: CallRecorder) -> None:
    assert _acquire_lease(Store(), PLAN, "sha-a", "me") is True
    assert api_calls.count("dynamodb", "PutItem") == 1
    assert api_calls.count("dynamodb", "GetItem") == 0
    _release_lease(Store(), PLAN, "me")
    assert api_calls.count("dynamodb", "DeleteItem") == 1
    assert lease() is None


@pytest.mark.usefixtures("aws")
def test_a_held_lease_refuses_another_bundle_and_names_its_holder() -> None:
    assert _acquire_lease(Store(), PLAN, "sha-a", "first") is True
    assert _acquire_lease(Store(), PLAN, "sha-a", "first") is True  # the holder again (its retry)
    assert _acquire_lease(Store(), PLAN, "sha-a", "second") is False  # the same bundle: nothing to do
    with pytest.raises(DeployInProgressError, match="my_app v1 is being deployed by first until"):
        _acquire_lease(Store(), PLAN, "sha-b", "second")
    _release_lease(Store(), PLAN, "second")  # not its lease: kept
    stored = lease()
    assert stored is not None
    assert stored["owner"] == "first"


@pytest.mark.usefixtures("aws")
def test_an_expired_lease_is_taken_over(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deploy, "_now", lambda: 1_000)
    assert _acquire_lease(Store(), PLAN, "sha-a", "first") is True
    monkeypatch.setattr(deploy, "_now", lambda: 1_000 + deploy.LEASE_SECONDS)
    assert _acquire_lease(Store(), PLAN, "sha-b", "second") is True
    stored = lease()
    assert stored is not None
    assert stored["owner"] == "second"
