"""How the console script's process ends: without the interpreter's teardown.

At exit CPython frees every object one by one. After botocore has loaded its models (every command that
calls AWS), that takes ~0.2 s, longer than most commands' own work, and the operating system reclaims the
memory at once anyway. `end_without_teardown` registers, before the command runs, a handler that flushes
the standard streams and calls `os._exit` with the command's status. Registered first, it runs last: every
other atexit handler still runs (logging's, weakref finalizers, temporary directories), and non-daemon
threads are joined before atexit handlers, as at any exit. Only the freeing is skipped (the technique
Instagram described for its Django workers). In-process callers (the tests) never register it. A handler
registered before the script's entry runs after this one and is skipped: none is, unless a `.pth` file adds
one (coverage's subprocess measurement would: call `orchestrator.cli.main:main` then, which keeps the teardown).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
from dataclasses import dataclass


@dataclass
class ProcessEnd:
    status: int = 0

    def record(self, code: object) -> None:
        """The status Python gives `SystemExit(code)`: None is 0, an int itself, anything else (printed) 1."""
        self.status = 0 if code is None else code if isinstance(code, int) else 1

    def now(self) -> None:
        for stream in (sys.stdout, sys.stderr):
            # A reader that went away (`| head`), a closed stream: nothing more can be written.
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(self.status)


def end_without_teardown() -> ProcessEnd:
    end = ProcessEnd()
    atexit.register(end.now)
    return end
