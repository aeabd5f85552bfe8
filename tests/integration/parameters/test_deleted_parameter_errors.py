"""Issue 10, defect 10: a parameter's recorded error does not outlive the deletion of the parameter."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrator.adapters.store import Store
from orchestrator.parameters.state import state_sk
from orchestrator.pipeline import keys
from tests.integration.builders import declare_app
from tests.integration.parameters.helpers import delete, deliver, deploy, name_of, prefix, put, state

VALID: dict[str, Any] = {
    "scaling": {"web": {"cpu": 256, "memory": 512, "min_processes": 1, "max_processes": 1}},
    "scheduled-tasks": [{"schedule": "0 0 * * ? *", "command": "python manage.py tick"}],
    "users": ["ann@example.com"],
}
INVALID: dict[str, Any] = {
    "scaling": {"web": {"cpu": 3, "memory": 1}},
    "scheduled-tasks": [{"schedule": "not a cron", "command": "x"}],
    "users": ["not an email"],
}


@pytest.mark.parametrize("kind", sorted(VALID))
def test_deleting_a_rejected_parameter_clears_its_error(app: str, kind: str) -> None:
    deploy(app)
    name = name_of(app, kind)
    # The parameter's absence is what was applied last (it existed once and was deleted).
    deliver(put(name, VALID[kind]))
    deliver(delete(name))
    assert "error" not in state(app, kind)

    [rejected] = deliver(put(name, INVALID[kind]))
    assert rejected["status"] == "rejected"
    assert state(app, kind)["error"]["parameter"] == name

    [deleted] = deliver(delete(name))
    assert deleted["status"] == "unchanged"  # the absence was already applied: no side effect
    assert "error" not in state(app, kind), "the error of a deleted value must not stay recorded"


def test_deleting_a_refused_review_app_schedule_clears_its_error(app: str) -> None:
    declare_app("pipe", kind="pipeline")
    name = f"/{prefix()}/pipelines/pipe/review-apps/pr/3/scheduled-tasks"
    [rejected] = deliver(put(name, VALID["scheduled-tasks"]))
    assert rejected["status"] == "rejected"

    def item() -> dict[str, Any]:
        return Store().get(keys.app_pk("pipe:3"), state_sk("scheduled-tasks")) or {}

    assert "error" in item()
    deliver(delete(name))
    assert "error" not in item()
