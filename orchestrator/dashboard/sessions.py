"""Local sign-in: Cognito's and the identity pool's part on this machine.

A user signs in by name and gets a token listing the users roles it holds (the `cognito:roles` claim's
stand-in); for one of those roles it gets temporary credentials, as GetCredentialsForIdentity gives them.
The access key id is how the proxy recognises the session that signed a request, as AWS does.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from orchestrator.dashboard.local_users import LocalUser, app_of_role, assumed_role_arn, users_role_arn


class SignInError(ValueError):
    """A sign-in or credentials request that is refused: the message says why."""


@dataclass(frozen=True)
class RoleSession:
    user: str
    role_arn: str
    app: str

    @property
    def principal(self) -> str:
        return assumed_role_arn(self.role_arn, self.user)


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str


class LocalSessions:
    def __init__(self, users: Sequence[LocalUser], account_id: str, registered_apps: Callable[[], list[str]]) -> None:
        self._users = {u.name: u for u in users}
        self._account_id = account_id
        self._registered_apps = registered_apps
        self._tokens: dict[str, str] = {}  # sign-in token → user
        self._sessions: dict[str, RoleSession] = {}  # access key id → role session
        self._lock = threading.Lock()

    @property
    def user_names(self) -> list[str]:
        return sorted(self._users)

    def roles_of(self, user: str) -> list[str]:
        apps = self._users[user].apps
        return [users_role_arn(self._account_id, app) for app in (self._registered_apps() if apps is None else apps)]

    def sign_in(self, user: str) -> tuple[str, list[str]]:
        """A token for the user and the users roles it holds."""
        if user not in self._users:
            raise SignInError(f"Incorrect username: no local user {user!r} (users: {', '.join(self.user_names)})")
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = user
        return token, self.roles_of(user)

    def credentials(self, token: str, role_arn: str) -> Credentials:
        """Credentials for one of the signed-in user's roles; refused for a role the user does not hold."""
        with self._lock:
            user = self._tokens.get(token)
        if user is None:
            raise SignInError("Invalid login token. Sign in again.")
        app = app_of_role(role_arn)
        if app is None or role_arn not in self.roles_of(user):
            raise SignInError(f"Invalid identity pool configuration: {user} may not assume {role_arn}")
        credentials = Credentials("ASIA" + secrets.token_hex(8).upper(), secrets.token_urlsafe(30), secrets.token_urlsafe(60))
        with self._lock:
            self._sessions[credentials.access_key_id] = RoleSession(user, role_arn, app)
        return credentials

    def session_of(self, access_key_id: str) -> RoleSession | None:
        with self._lock:
            return self._sessions.get(access_key_id)
