"""An app's URL for the CLI: its route's hosts, and the local router's port when the CLI talks to the
emulator whose state directory names one."""

from __future__ import annotations

from typing import TYPE_CHECKING


def router_port() -> int | None:
    """The running emulator's router port, when this CLI's endpoint is that emulator's."""
    from orchestrator.cli.emulator import running_emulator, state_dir_of
    from orchestrator.settings import adapter_settings

    endpoint = adapter_settings().endpoint_url
    state = running_emulator(state_dir_of(None)) if endpoint else None
    if state is None or state.get("endpoint") != endpoint or not state.get("router_port"):
        return None
    return int(state["router_port"])


if TYPE_CHECKING:
    from orchestrator.adapters.store import Store


def url_of(app: str, port: int | None = None, store: Store | None = None) -> str | None:
    """The app's URL, or None while it has no route (before its first deploy, or no web process). The route
    item (`routing.web.WebRoute`, written by the orchestrator) is read as stored: no pydantic on this path."""
    from orchestrator.adapters.store import Store
    from orchestrator.pipeline import keys
    from orchestrator.routing.urls import app_url

    route = (store or Store()).get(keys.app_pk(app), keys.ROUTE_SK)
    if not route or not route.get("priority"):
        return None
    return app_url([str(host) for host in route.get("hosts") or []], port)
