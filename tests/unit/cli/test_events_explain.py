"""`orchestrator events explain`: exit 0 for valid events (managed or not), exit 2 for non-events."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import AWS_SAMPLES


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}
    return subprocess.run(
        [sys.executable, "-c", "from orchestrator.cli.main import main; main()", *args],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip


def test_every_documented_sample_is_explained_with_exit_0() -> None:
    result = run("events", "explain", "--json", *map(str, AWS_SAMPLES))
    assert result.returncode == 0, result.stderr
    explained = json.loads(result.stdout)
    assert len(explained) == len(AWS_SAMPLES)
    assert all(row["summary"] for row in explained)
    by_file = {Path(row["file"]).name: row for row in explained}
    assert by_file["eventbridge_scheduled_event.json"]["routes"] == []
    assert [r["rule"] for r in by_file["codebuild_build_state_change_succeeded.json"]["routes"]] == ["codebuild"]


def test_a_file_that_is_not_an_event_exits_2_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"hello": "world"}))
    result = run("events", "explain", str(bad))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "not an EventBridge event" in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_json_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = run("events", "explain", str(bad))
    assert result.returncode == 2
    assert "not valid JSON" in result.stderr
