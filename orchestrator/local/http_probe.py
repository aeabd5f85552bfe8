"""Requests an app through the local router from a background thread, noting who answered each one.

A scenario starts it before a deploy and stops it once the emulator settled: every answer must be a 200
from one of the expected builds (the hello sample's first line names its build)."""

from __future__ import annotations

import http.client
import re
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit

HTTP_AFTER_REQUESTS = 10
_BUILD = re.compile(r"\bbuild (\d+)\b")


@dataclass(frozen=True)
class Answer:
    phase: str
    status: int
    first_line: str

    @property
    def build(self) -> int | None:
        match = _BUILD.search(self.first_line)
        return int(match[1]) if match else None


def request(url: str, timeout: float = 10.0) -> tuple[int, str]:
    """GET `url` through the router: the status and the first line of the body (an error status is an
    answer too). `<app>.localhost` is sent as the Host header to the router's loopback address, as browsers
    and curl resolve `*.localhost` themselves while the system's resolver may not."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection("127.0.0.1", parts.port or 80, timeout=timeout)
    try:
        connection.request("GET", parts.path or "/", headers={"Host": parts.netloc})
        response = connection.getresponse()
        return int(response.status), response.read().decode("utf-8", "replace").split("\n", 1)[0]
    except OSError as error:
        return 0, f"no answer: {error}"
    finally:
        connection.close()


@dataclass
class Prober:
    url: str
    answers: list[Answer] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self, phase: str) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(phase,), name="http-probe", daemon=True)
        self._thread.start()

    def _run(self, phase: str) -> None:
        while not self._stop.is_set():
            self.sample(phase, 1)
            self._stop.wait(0.02)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def summary(self) -> dict[str, dict[str, int]]:
        """Phase → `<status> build <N>` → how many requests were answered so."""
        counts: dict[str, dict[str, int]] = {}
        for answer in self.answers:
            key = f"{answer.status} build {answer.build if answer.build is not None else '?'}"
            counts.setdefault(answer.phase, {})[key] = counts.setdefault(answer.phase, {}).get(key, 0) + 1
        return counts

    def sample(self, phase: str, count: int) -> None:
        for _ in range(count):
            status, line = request(self.url)
            self.answers.append(Answer(phase, status, line))
