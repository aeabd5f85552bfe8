"""Who may sign in to the local dashboard, and which users roles each holds (Cognito's part, on this machine).

In AWS the ID token's `cognito:roles` claim lists the users roles of the apps a person may operate; locally a
user is declared as `NAME=APP[,APP...]` and holds the users role of each app named. The role ARNs have the
form the stacks give them, `arn:aws:iam::<account>:role/orchestrator/users/<app>/<app>-users`, so the
browser derives the apps from the ARNs the same way in both modes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from orchestrator.pipeline.names import app_name_error

USERS_ROLE_PATH = "/orchestrator/users/"
_USER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")
DEFAULT_USER = "operator"


@dataclass(frozen=True)
class LocalUser:
    name: str
    apps: tuple[str, ...] | None  # None: every registered app (the default user)


def parse_user(spec: str) -> LocalUser:
    """`alice=shop,blog` → alice holding the users roles of shop and blog. ValueError names what is wrong."""
    name, sep, apps = spec.partition("=")
    if not sep or not _USER.match(name):
        raise ValueError(f"{spec!r} is not NAME=APP[,APP...] (a user name, then the apps whose users role it holds)")
    listed = tuple(a.strip() for a in apps.split(",") if a.strip())
    for app in listed:
        if (invalid := app_name_error(app)) is not None:
            raise ValueError(f"{spec!r}: {invalid}")
    return LocalUser(name, listed)


def users_role_arn(account_id: str, app: str) -> str:
    return f"arn:aws:iam::{account_id}:role{USERS_ROLE_PATH}{app}/{app}-users"


def app_of_role(role_arn: str) -> str | None:
    """The app a users role is for: the path segment after `users/`; None for any other role."""
    match = re.match(r"^arn:aws[a-z-]*:iam::\d{12}:role/orchestrator/users/([^/]+)/[^/]+$", role_arn)
    return match.group(1) if match else None


def assumed_role_arn(role_arn: str, session_name: str) -> str:
    """The STS principal a session of the role is: what AccessDenied messages name."""
    account = role_arn.split(":")[4]
    role_name = role_arn.rsplit("/", 1)[-1]
    return f"arn:aws:sts::{account}:assumed-role/{role_name}/{session_name}"
