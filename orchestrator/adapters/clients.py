"""Lazy, cached boto3 clients with botocore's standard retry mode, from boto3's default session.

Nothing is built at import time; the first call for a service builds its client once. The session loads
botocore's models with `botocore_data.FastLoader` (half the time of a process's first clients).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from orchestrator.adapters import retry_quotas
from orchestrator.adapters.botocore_data import botocore_session
from orchestrator.settings import adapter_settings

CallHook = Callable[..., None]
_call_hooks: list[CallHook] = []
ClientInstaller = Callable[[Any], None]
_client_installers: list[ClientInstaller] = []


def _config(*, sdk_retries: bool = True) -> Config:
    """botocore's standard retry mode, with the settings' number of retries. `sdk_retries=False`: a single
    attempt, for calls without a client token whose lost response the SDK must not repeat blindly (the
    adapter checks what the first attempt made before it tries again)."""
    retries: Any = {"mode": "standard", "max_attempts": adapter_settings().aws_max_attempts}
    if not sdk_retries:
        retries = {"mode": "standard", "total_max_attempts": 1}
    return Config(retries=retries, connect_timeout=5, read_timeout=30)


def default_session() -> boto3.Session:
    """boto3's default session (the one `boto3.client` uses too), built once with the fast data loader."""
    if boto3.DEFAULT_SESSION is None:
        boto3.setup_default_session(botocore_session=botocore_session())
    assert boto3.DEFAULT_SESSION is not None
    return boto3.DEFAULT_SESSION


@cache
def client(service: str, *, sdk_retries: bool = True) -> Any:
    """A boto3 client for `service`, built on first use. Typed as Any: callers annotate via stubs.
    `sdk_retries=False`: one attempt per call; the caller decides how to retry."""
    settings = adapter_settings()
    built = default_session().client(
        service,  # type: ignore[call-overload]
        region_name=settings.region,
        endpoint_url=settings.endpoint_url,
        config=_config(sdk_retries=sdk_retries),
    )
    for hook in _call_hooks:
        built.meta.events.register("before-call", hook)
    for install in _client_installers:
        install(built)
    retry_quotas.track(built)
    return built


def build_now(*services: str) -> None:
    """Build these clients on this thread. A boto3 session is not safe to build clients from several threads;
    built clients are: a caller that then calls them from worker threads builds them here first."""
    for service in services:
        client(service)


def add_call_hook(hook: CallHook) -> None:
    """Observe every AWS API call made through the adapters (botocore `before-call` event).
    Used by tests to count side effects and by the benchmark to count calls per pipeline."""
    _call_hooks.append(hook)
    reset_clients()


def remove_call_hook(hook: CallHook) -> None:
    _call_hooks.remove(hook)
    reset_clients()


def add_client_installer(install: ClientInstaller) -> None:
    """Run `install(client)` on every client built from now on (the fault-injection layer uses it)."""
    _client_installers.append(install)
    reset_clients()


def installed() -> tuple[ClientInstaller, ...]:
    return tuple(_client_installers)


def remove_client_installer(install: ClientInstaller) -> None:
    _client_installers.remove(install)
    reset_clients()


def reset_clients() -> None:
    """Drop cached clients (tests and the emulator switch endpoints and moto backends)."""
    client.cache_clear()
    retry_quotas.forget()
