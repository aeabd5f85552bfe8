"""Issue 10, defect 7: a nested manifest.json or event is a recorded, one-line error, never a RecursionError."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrator.adapters.bundle_storage import BundleStorage
from orchestrator.adapters.store import Store
from orchestrator.bundles.records import UPLOADS_PK, upload_sk
from orchestrator.handlers import bundles
from orchestrator.handlers.common import MalformedEventError
from tests.conftest import fresh_aws
from tests.integration.bundles.helpers import create_function_role, upload
from tests.lambda_context import FakeLambdaContext
from tests.unit.bundles.zips import bundle_zip

DEEP_MANIFEST = b'{"app_id": "com.example.test", "custom_field": ' + b"[" * 2000 + b"]" * 2000 + b"}"
NESTING = "manifest.json: [manifest.json] is nested too deeply: 2001 levels (at most 32)"


@pytest.fixture
def bundles_aws() -> Any:
    with fresh_aws():
        create_function_role()
        yield


def test_a_deep_manifest_upload_is_recorded_invalid(bundles_aws: None, api_calls: Any) -> None:
    result = bundles.handler(upload("bundles/deep.zip", bundle_zip(DEEP_MANIFEST), sequencer="01"), FakeLambdaContext())  # type: ignore[arg-type]
    assert result["status"] == "invalid"
    assert NESTING in result["errors"]
    record = Store().get(UPLOADS_PK, upload_sk("bundles/deep.zip"))
    assert record is not None
    assert record["state"] == "invalid"
    assert api_calls.count("lambda", "CreateFunction") == 0
    assert BundleStorage().list_keys("manifests/") == []


def test_a_deeply_nested_event_is_malformed_not_a_recursion_error(bundles_aws: None) -> None:
    event = upload("bundles/app.zip", bundle_zip(), sequencer="01")
    nested: dict[str, Any] = {}
    node = nested
    for _ in range(5000):
        node["x"] = {}
        node = node["x"]
    event["detail"]["extra"] = nested
    with pytest.raises(MalformedEventError, match="event is nested too deeply"):
        bundles.handler(event, FakeLambdaContext())  # type: ignore[arg-type]
