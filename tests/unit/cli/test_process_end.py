"""The console script ends its process without the interpreter's teardown (orchestrator/cli/process_end.py),
and nothing a command relies on at exit is lost: its exit status, everything it wrote, the atexit handlers
registered while it ran, a non-daemon thread it started."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points

import pytest

from orchestrator.cli.process_end import ProcessEnd

COMMAND = """
import atexit, sys, threading, time
import orchestrator.cli.main as cli

def command():
    atexit.register(lambda: print("atexit handler ran", file=sys.stderr))
    threading.Thread(target=lambda: (time.sleep(0.3), print("thread finished", file=sys.stderr))).start()
    sys.stdout.write("x" * 200_000)  # more than any pipe buffer: flushed before the process ends
    {end}

cli.main = command
cli.entry()
"""


def run(end: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", COMMAND.format(end=end)], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(("end", "status"), [("pass", 0), ("sys.exit(3)", 3), ("sys.exit('a message')", 1), ("1 / 0", 1)])
def test_the_status_the_output_the_handlers_and_the_threads_are_kept(end: str, status: int) -> None:
    done = run(end)
    assert done.returncode == status
    assert done.stdout == "x" * 200_000
    assert "atexit handler ran" in done.stderr
    assert "thread finished" in done.stderr
    if status == 1 and "message" in end:
        assert "a message" in done.stderr
    if "1 / 0" in end:
        assert "ZeroDivisionError" in done.stderr  # Python's traceback, as without this


def test_the_status_is_the_one_python_gives_system_exit() -> None:
    end = ProcessEnd()
    for code, status in [(None, 0), (0, 0), (2, 2), ("text", 1)]:
        end.record(code)
        assert end.status == status


def test_the_installed_console_script_is_the_entry_that_skips_the_teardown() -> None:
    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "orchestrator"]
    assert script.value == "orchestrator.cli.main:entry"
