"""Shared fixtures: a fresh moto account with the orchestrator's resources, and an API call recorder."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

# Set before any orchestrator import: fake credentials, and Powertools quiet and offline.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "1",
        "POWERTOOLS_METRICS_NAMESPACE": "orchestrator",
        "POWERTOOLS_LOG_LEVEL": "INFO",  # Lambda's default: logging bugs must show in tests
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)

from moto import mock_aws

from orchestrator.adapters import clients
from orchestrator.handlers.common import reset_idempotency
from orchestrator.local.moto_dynamodb import requests_are_atomic
from orchestrator.local.moto_patches import client_tokens_are_idempotent, scheduled_rules_match_no_event
from orchestrator.local.resources import create_core_resources
from orchestrator.local.shared_models import share_botocore_loaders
from orchestrator.settings import get_settings, reset_settings

# The machines that run the suite are small and shared: hypothesis's per-example time limit would fail a
# correct property under load. Properties are about values, never time.
hypothesis_settings.register_profile("shared-machine", deadline=None)
hypothesis_settings.load_profile("shared-machine")

# moto's own behaviour, not the emulator's: without it a test passes or fails by which test patched moto first.
scheduled_rules_match_no_event()
requests_are_atomic()  # DynamoDB requests from several threads (the concurrency tests)
client_tokens_are_idempotent()  # RunTask and CreateService, as ECS

TESTS = Path(__file__).parent
FIXTURES = TESTS / "fixtures"

# moto gives every mock a new boto3 default session, and each would parse botocore's service models again
# (about 0.4 s a test): every session of the test process shares one loader, as the emulator's do.
share_botocore_loaders()
AWS_SAMPLES = sorted((FIXTURES / "aws-events").glob("*.json"))


def load_sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / "aws-events" / name).read_text())
    return data


def reset_process_state() -> None:
    reset_settings()
    clients.reset_clients()
    reset_idempotency()


@contextmanager
def fresh_aws() -> Iterator[None]:
    """A new, empty moto account holding the orchestrator's table, buckets and cluster."""
    with mock_aws():
        reset_process_state()
        create_core_resources(get_settings())
        try:
            yield
        finally:
            reset_process_state()


@pytest.fixture
def aws() -> Iterator[None]:
    with fresh_aws():
        yield


class CallRecorder:
    """Counts AWS API calls (service, operation) made through the adapters."""

    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str]] = Counter()
        self.params: list[tuple[str, str, dict[str, Any]]] = []

    def __call__(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        key = (model.service_model.service_name, model.name)
        self.calls[key] += 1
        self.params.append((*key, params.get("body", params)))

    def count(self, service: str, operation: str) -> int:
        return self.calls[(service, operation)]


@contextmanager
def recording_calls() -> Iterator[CallRecorder]:
    recorder = CallRecorder()
    clients.add_call_hook(recorder)
    try:
        yield recorder
    finally:
        clients.remove_call_hook(recorder)


@pytest.fixture
def api_calls() -> Iterator[CallRecorder]:
    with recording_calls() as recorder:
        yield recorder


@pytest.hookimpl(tryfirst=True)  # before xdist's hook that reads the groups (its plugin is registered later)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under `pytest -n N --dist loadgroup` (make test), a module's tests stay on one worker, so its
    fixtures are built once; the infra (top folder) and reality suites share session fixtures (one synthesis, one
    Lambda environment), so each runs whole on one worker. A module marked `spread` (long, independent tests
    such as the scenarios) lets each test go to any worker."""
    for item in items:
        if item.get_closest_marker("xdist_group") is not None:
            continue  # a module that names its group shares it with other modules (xdist would join both names)
        parts = item.path.relative_to(TESTS).parts
        # A subfolder of infra (the dashboard's stack) synthesizes on its own, beside the shared synthesis.
        suite_wide = parts[0] in ("infra", "reality") and not (parts[0] == "infra" and len(parts) > 2)
        group = parts[0] if suite_wide else "/".join(parts)
        if item.get_closest_marker("spread") is not None:
            group = item.nodeid
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.hookimpl(optionalhook=True)  # xdist's hook: no error where xdist is not installed
def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    """A module's tests that share a fixture, split over workers, would build it on each and could run in
    another order: stop when xdist ignored the groups (as it does with pytest 9.2, see pyproject.toml)."""
    if node.config.getvalue("dist") == "loadgroup" and ids and not any("@" in nodeid for nodeid in ids):
        raise pytest.UsageError("pytest-xdist ignored the xdist_group marks: install pytest as pyproject.toml pins it")
