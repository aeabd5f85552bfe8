"""The `domains` parameter: a JSON list of host names an app is also served at (AppPack's `domains`).

Validation only (reads the claims, changes nothing); routing/domains.py applies a valid list. Shared by
the handler, `events explain` and the CLI, so all three refuse the same hosts with the same words.
"""

from __future__ import annotations

import json

from orchestrator.adapters.store import Store
from orchestrator.parameters.scaling import InvalidParameterError
from orchestrator.pipeline.apps import AppRef
from orchestrator.routing.domains import host_owner
from orchestrator.routing.hosts import app_host, host_name_error, normalized_host


def parse_domains(text: str, name: str) -> list[str]:
    """The hosts of a `domains` value, normalized, first occurrence kept. Raises InvalidParameterError."""
    try:
        value = json.loads(text) if text.strip() else []
    except json.JSONDecodeError as error:
        raise InvalidParameterError(f"{name} is not JSON: {error.msg} (line {error.lineno})") from error
    if not isinstance(value, list) or not all(isinstance(h, str) for h in value):
        raise InvalidParameterError(f'{name} must be a JSON list of host names, e.g. ["www.example.com"]')
    hosts: list[str] = []
    for raw in value:
        host = normalized_host(raw)
        malformed = host_name_error(host)
        if malformed is not None:
            raise InvalidParameterError(f"{name}: {malformed}")
        if host not in hosts:
            hosts.append(host)
    return hosts


def host_refusal(app: AppRef, host: str, store: Store, apps_domain: str) -> str | None:
    """Why `app` may not have `host`: a malformed name, a name under the platform's apps domain (other than
    the app's own host), or a host another app has claimed. None when it may."""
    error = host_name_error(host)
    if error is not None:
        return error
    if apps_domain and host != app_host(app, apps_domain) and host.endswith(f".{apps_domain}"):
        return f"{host!r} is under the platform's apps domain {apps_domain!r}; only {app_host(app, apps_domain)!r} is {app.name}'s"
    owner = host_owner(store, host)
    if owner is not None and owner != app.name:
        return f"{host!r} is already a domain of {owner!r}"
    return None


def domains_refusal(app: AppRef, hosts: list[str], store: Store, apps_domain: str, name: str) -> None:
    """Raises InvalidParameterError naming the first host `app` may not have."""
    for host in hosts:
        refusal = host_refusal(app, host, store, apps_domain)
        if refusal is not None:
            raise InvalidParameterError(f"{name}: {refusal}")
