"""`orchestrator demo --json`: progress on stderr from the first moment, the result as JSON on stdout
(issue 15, items 18 and 20)."""

from __future__ import annotations

import json

from tests.e2e.conftest import cli


def test_demo_json_is_the_deployed_result() -> None:
    result = cli("demo", "--json", timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    data = json.loads(result.stdout)
    assert data["ok"] is True
    assert data["outcome"] == "deployed"
    assert data["build"]["deploy"]["state"] == "succeeded"
    assert data["dead_letters"] == []
    # The demo ends with a request through the local router to the app, which runs for real.
    assert data["url"].startswith("http://demo.localhost:")
    assert (data["http_status"], data["http_first_line"]) == (200, "hello from build 1: greetings from config")
    assert result.stderr.lstrip().startswith("starting the embedded AWS")  # said before the slow start
