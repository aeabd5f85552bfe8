"""Wiring of the local dashboard: the account and apps of the emulator, the users roles' statements, the server."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path

from orchestrator.adapters import operator
from orchestrator.dashboard.aws_requests import Account
from orchestrator.dashboard.local_policies import local_users_role_statements
from orchestrator.dashboard.local_users import LocalUser
from orchestrator.dashboard.server import DashboardServer
from orchestrator.dashboard.sessions import LocalSessions
from orchestrator.dashboard.site_config import local_site_config
from orchestrator.iam.evaluation import Statement
from orchestrator.settings import get_settings


def _registered_kinds() -> dict[str, str]:
    """App or pipeline name → kind, from the app index (read when a user signs in: apps come and go)."""
    return {str(i.get("name")): str(i.get("kind") or "app") for i in operator.list_apps()}


def _statements(account: Account, app: str) -> Sequence[Statement]:
    return local_users_role_statements(app, _registered_kinds().get(app, "app"), get_settings(), account)


def local_dashboard(
    port: int, site: Path, endpoint: str, users: Sequence[LocalUser], apps_port: int | None
) -> DashboardServer:
    settings = get_settings()
    account_id = operator.caller_identity().split(":")[4]
    account = Account(settings.region, account_id)
    sessions = LocalSessions(users, account_id, lambda: sorted(_registered_kinds()))
    return DashboardServer(
        port, site, endpoint, sessions, account, partial(_statements, account),
        partial(local_site_config, settings, apps_port),
    )  # fmt: skip
