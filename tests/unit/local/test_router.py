"""The local router over real sockets: Host-header routing, round robin, a stopped target skipped, the
listener's 404 for an unknown host and a 503 for a host with no target."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from orchestrator.local.http_probe import request
from orchestrator.local.processes import free_port
from orchestrator.local.router import LocalRouter


def backend(name: str) -> ThreadingHTTPServer:
    class Answer(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = f"{name} {self.headers.get('X-Forwarded-For')} {self.headers.get('Host')}\n".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def router() -> Iterator[LocalRouter]:
    routing = LocalRouter()
    routing.start()
    yield routing
    routing.stop()


def test_requests_go_round_robin_to_the_hosts_targets_and_skip_a_stopped_one(router: LocalRouter) -> None:
    one, two = backend("one"), backend("two")
    stopped = ("127.0.0.1", free_port("127.0.0.1"))  # nothing listens there
    try:
        router.targets = {
            "shop.localhost": [("127.0.0.1", one.server_address[1]), stopped, ("127.0.0.1", two.server_address[1])],
            "empty.localhost": [],
        }
        url = router.url("shop.localhost")
        answers = [request(url) for _ in range(6)]
        assert {status for status, _ in answers} == {200}
        names = [line.split()[0] for _, line in answers]
        # Turns go one, stopped, two: the stopped target's turn is answered by the next one.
        assert names == ["one", "two", "two", "one", "two", "two"]
        assert answers[0][1] == f"one 127.0.0.1 shop.localhost:{router.port}"
        assert request(router.url("other.localhost"))[0] == 404
        assert request(router.url("empty.localhost"))[0] == 503
    finally:
        one.shutdown()
        two.shutdown()


def test_a_host_without_targets_is_not_sent_anywhere(router: LocalRouter) -> None:
    assert router.backends("nobody.localhost") == []
    router.targets = {"a.localhost": [("127.0.0.2", 1), ("127.0.0.3", 2)]}
    assert [router.backends("a.localhost")[0] for _ in range(4)] == [("127.0.0.2", 1), ("127.0.0.3", 2)] * 2
