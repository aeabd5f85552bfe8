"""Where the Powertools logger writes: stdout in Lambda (what CloudWatch reads), stderr in the CLI.

A proxy resolved at each write, so the CLI can choose before or after the logger exists without importing
Powertools, and a replaced `sys.stdout` (pytest's capture) is honoured.
"""

from __future__ import annotations

import sys
from typing import TextIO


class LogStream:
    def __init__(self) -> None:
        self.to_stderr = False

    @property
    def target(self) -> TextIO:
        return sys.stderr if self.to_stderr else sys.stdout

    def write(self, text: str) -> int:
        return self.target.write(text)

    def flush(self) -> None:
        self.target.flush()


log_stream = LogStream()
