"""Access lists: USER#<email> items, listed with a Query; updates diff, deletes revoke."""

from __future__ import annotations

import pytest

from orchestrator.adapters.store import Store
from orchestrator.parameters.access import user_access
from tests.conftest import recording_calls
from tests.integration.builders import declare_app
from tests.integration.parameters.helpers import delete, deliver, mutating_calls, name_of, prefix, put, state

ADMINS = "/{prefix}/account/administrators"


def apps_of(email: str) -> list[str]:
    return sorted(a["app"] for a in user_access(email).apps)


def test_app_users_create_update_delete(app: str) -> None:
    declare_app("other")
    deliver(put(name_of("other", "users"), ["ann@example.com"]))
    [created] = deliver(put(name_of(app, "users"), ["Ann@Example.com", "bob@example.com"]))
    assert created["status"] == "applied"
    assert apps_of("ann@example.com") == ["demo", "other"]
    assert apps_of("bob@example.com") == ["demo"]

    [updated] = deliver(put(name_of(app, "users"), ["bob@example.com", "cy@example.com"]))
    assert updated["changes"] == ["granted cy@example.com", "revoked ann@example.com"]
    assert apps_of("ann@example.com") == ["other"]
    assert apps_of("cy@example.com") == ["demo"]

    deliver(delete(name_of(app, "users")))
    assert apps_of("bob@example.com") == apps_of("cy@example.com") == []
    assert apps_of("ann@example.com") == ["other"]  # another app's grant is untouched


def test_administrators(app: str) -> None:
    name = ADMINS.format(prefix=prefix())
    deliver(put(name, ["root@example.com", "ops@example.com"]))
    assert user_access("root@example.com").administrator
    deliver(put(name, ["ops@example.com"]))
    assert not user_access("root@example.com").administrator
    assert user_access("ops@example.com").administrator
    deliver(delete(name))
    assert not user_access("ops@example.com").administrator
    assert Store().query("USER#ops@example.com") == []
    account = Store().get("ACCOUNT", "PARAMETERS#administrators") or {}
    assert account["applied"]["desired"] == {"emails": []}


def test_listing_uses_a_query_never_a_scan(app: str) -> None:
    deliver(put(name_of(app, "users"), ["ann@example.com"]))
    with recording_calls() as calls:
        user_access("ann@example.com")
    assert calls.count("dynamodb", "Query") == 1
    assert calls.count("dynamodb", "Scan") == 0


@pytest.mark.parametrize("value", ['["not an email"]', '"ann@example.com"', "{", '[{"email": "a@example.com"}]'])
def test_invalid_lists_change_nothing(app: str, value: str) -> None:
    deliver(put(name_of(app, "users"), ["ann@example.com"]))
    with recording_calls() as calls:
        [result] = deliver(put(name_of(app, "users"), value))
    assert result["status"] == "rejected"
    assert mutating_calls(calls) == {}
    assert calls.count("dynamodb", "DeleteItem") == 0
    assert apps_of("ann@example.com") == ["demo"]
    assert state(app, "users")["error"]["parameter"] == name_of(app, "users")
