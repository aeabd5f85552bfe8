"""A long-running emulator's clock does not run ahead of the wall clock while idle (issue 15, item 11)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from orchestrator.local.daemon import clock_advances

WALL = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def test_idle_the_clock_waits_for_the_wall_clock() -> None:
    assert clock_advances(False, WALL - timedelta(seconds=5), WALL)
    assert not clock_advances(False, WALL, WALL)
    assert not clock_advances(False, WALL + timedelta(hours=3), WALL)


def test_busy_the_clock_runs_fast() -> None:
    assert clock_advances(True, WALL + timedelta(minutes=10), WALL)
