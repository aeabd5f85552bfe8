"""Access lists: `/<prefix>/apps/<app>/users`, `/<prefix>/pipelines/<p>/users` and
`/<prefix>/account/administrators`, each a JSON list of emails.

Each grant is a `USER#<email>` item, so an operator's apps are one Query (`USER#<email>`, prefix `APP#`)
and their administrator flag one GetItem (`USER#<email>` / `ADMIN`). The state record keeps the list that
was granted, so an update grants the new emails and revokes the removed ones, and deleting the parameter
revokes everything it granted. These items are for listing and display: real authorization stays with IAM.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, RootModel, ValidationError

from orchestrator.adapters.store import Item, Store
from orchestrator.parameters.names import ParameterKind, Target
from orchestrator.parameters.scaling import InvalidParameterError, format_validation_error, parse_json

USER_PREFIX = "USER#"
ADMIN_SK = "ADMIN"
GRANT_PREFIX = "APP#"
MAX_EMAILS = 500

# A pragmatic RFC 5321 shape (email-validator is not a dependency): local@domain.tld, no spaces.
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
    r"(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


def normalize_email(value: str) -> str:
    """The lower-cased address; ValueError naming the value when it is not an email address."""
    normalized = value.strip().lower()
    if not _EMAIL.match(normalized) or ".." in normalized or normalized.startswith("."):
        raise ValueError(f"{value!r} is not an email address")
    return normalized


Email = Annotated[str, AfterValidator(normalize_email)]


class AccessList(RootModel[list[Email]]):
    model_config = ConfigDict(defer_build=True)


def parse_access_list(value: str, what: str = "access list") -> list[str]:
    """Sorted, de-duplicated, lower-cased emails; InvalidParameterError on anything else."""
    data = parse_json(value, what)
    if not isinstance(data, list):
        raise InvalidParameterError(f"{what} must be a JSON list of email addresses")
    if len(data) > MAX_EMAILS:
        raise InvalidParameterError(f"{what} has {len(data)} entries; at most {MAX_EMAILS}")
    try:
        emails = AccessList.model_validate(data).root
    except ValidationError as error:
        raise InvalidParameterError(f"invalid {what}: {format_validation_error(error)}") from error
    return sorted(set(emails))


def user_pk(email: str) -> str:
    return f"{USER_PREFIX}{email.strip().lower()}"


def grant_sk(target: Target) -> str:
    return ADMIN_SK if target.kind == "account" else f"{GRANT_PREFIX}{target.key}"


@dataclass(frozen=True)
class AccessChange:
    granted: list[str]
    revoked: list[str]


def apply_grants(store: Store, target: Target, kind: ParameterKind, parameter: str,
                 before: list[str], after: list[str]) -> AccessChange:  # fmt: skip
    """Grant `after - before` and revoke `before - after`. Puts and deletes are idempotent, so a retry
    after a crash converges on the same items."""
    granted = sorted(set(after) - set(before))
    revoked = sorted(set(before) - set(after))
    now = int(time.time())
    for email in after:  # re-put all current grants: heals an item lost by a crash between steps
        item: Item = {
            "primary_id": user_pk(email),
            "secondary_id": grant_sk(target),
            "email": email,
            "role": "administrator" if kind is ParameterKind.ADMINISTRATORS else "user",
            "parameter": parameter,
            "granted_at": now,
        }
        if target.kind != "account":
            item.update({"app": target.key, "app_kind": target.kind})
        store.put(item)
    for email in revoked:
        store.delete(user_pk(email), grant_sk(target))
    return AccessChange(granted, revoked)


@dataclass(frozen=True)
class UserAccess:
    email: str
    administrator: bool
    apps: list[dict[str, Any]]


def user_access(email: str, store: Store | None = None) -> UserAccess:
    """What an operator was granted: one Query (no Scan). For `access list --user`."""
    store = store or Store()
    items = store.query(user_pk(email))
    apps = [
        {"app": i["app"], "kind": i.get("app_kind", "app"), "parameter": i.get("parameter", "")}
        for i in items
        if str(i["secondary_id"]).startswith(GRANT_PREFIX) and "app" in i
    ]
    return UserAccess(email.strip().lower(), any(i["secondary_id"] == ADMIN_SK for i in items), apps)
