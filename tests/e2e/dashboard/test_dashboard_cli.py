"""`orchestrator dashboard`'s user errors: one line, exit 2, nothing started."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import cli


def test_an_unbuilt_site_says_which_make_target_builds_it(tmp_path: Path) -> None:
    result = cli("dashboard", "--site", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: the dashboard is not built ({tmp_path / 'index.html'} is missing): run `make dashboard`"
    ]
    assert result.stdout == ""


def test_a_malformed_user_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<!doctype html>")
    result = cli("dashboard", "--site", str(tmp_path), "--user", "alice")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "is not NAME=APP[,APP...]" in result.stderr


def test_help() -> None:
    result = cli("dashboard", "--help")
    assert result.returncode == 0
    assert "--port" in result.stdout
    assert "--json" in result.stdout
