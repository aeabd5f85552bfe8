"""Issue 10, defect 7: a deeply nested 4 KB parameter value is rejected with a recorded error, not a RecursionError."""

from __future__ import annotations

import pytest

from tests.conftest import recording_calls
from tests.integration.parameters.helpers import deliver, deploy, mutating_calls, name_of, put, state

DEEP = "[" * 2000 + "]" * 2000  # 4 KB, SSM's standard-tier limit


@pytest.mark.parametrize("kind", ["scaling", "scheduled-tasks", "users"])
def test_a_deeply_nested_value_is_rejected_and_changes_nothing(app: str, kind: str) -> None:
    deploy(app)
    with recording_calls() as calls:
        [result] = deliver(put(name_of(app, kind), DEEP))
    assert result["status"] == "rejected"
    error = state(app, kind)["error"]
    assert error["parameter"] == name_of(app, kind)
    assert error["message"] == f"{kind} is nested too deeply: 2000 levels (at most 32)"
    assert mutating_calls(calls) == {}
