"""The local router: plays the shared ALB on 127.0.0.1 for `http://<app>.localhost:<port>`.

It routes by the Host header to the targets registered in the target group the listener's host rule forwards
to, read from moto's ELBv2: the same rules the deploy handlers write and the same target registrations the
local services make (`refresh`, called by the emulator after each step), never a table of its own. Requests
go round robin across a host's targets; a target that refuses the connection (it just stopped) is skipped
for the next one. A host no rule names gets the listener's default answer, a 404.
"""

from __future__ import annotations

import http.client
import itertools
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from orchestrator.adapters.clients import client

Targets = dict[str, list[tuple[str, int]]]
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade", "host"}  # fmt: skip
UNROUTABLE_STATES = {"draining", "unused", "unavailable"}
BACKEND_TIMEOUT_SECONDS = 30.0


def read_targets(listener_arn: str) -> Targets:
    """Host → the (address, port) targets of the group its rule forwards to, from ELBv2."""
    elbv2 = client("elbv2")
    table: Targets = {}
    for rule in elbv2.describe_rules(ListenerArn=listener_arn).get("Rules", []):
        groups = [a["TargetGroupArn"] for a in rule.get("Actions", []) if a.get("Type") == "forward"]
        hosts = [
            h.lower()
            for c in rule.get("Conditions", []) if c.get("Field") == "host-header"
            for h in c.get("HostHeaderConfig", {}).get("Values") or c.get("Values", [])
        ]  # fmt: skip
        if not groups or not hosts:
            continue
        health = elbv2.describe_target_health(TargetGroupArn=groups[0]).get("TargetHealthDescriptions", [])
        targets = sorted(
            (str(d["Target"]["Id"]), int(d["Target"]["Port"]))
            for d in health
            if d.get("Target", {}).get("Port") and d.get("TargetHealth", {}).get("State") not in UNROUTABLE_STATES
        )
        for host in hosts:
            table.setdefault(host, targets)
    return table


class LocalRouter:
    def __init__(self, port: int = 0, address: str = "127.0.0.1") -> None:
        self.targets: Targets = {}
        self._turns: dict[str, itertools.count[int]] = {}
        self._server = ThreadingHTTPServer((address, port), _handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, host: str) -> str:
        return f"http://{host}:{self.port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-router", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def refresh(self, listener_arn: str) -> None:
        if listener_arn:
            self.targets = read_targets(listener_arn)  # one assignment: a request sees the old or the new table

    def backends(self, host: str) -> list[tuple[str, int]]:
        """The host's targets, starting with the one whose turn it is."""
        targets = self.targets.get(host, [])
        if not targets:
            return []
        turn = next(self._turns.setdefault(host, itertools.count())) % len(targets)
        return targets[turn:] + targets[:turn]


def _handler(router: LocalRouter) -> type[BaseHTTPRequestHandler]:
    class Proxy(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return  # the apps' own logs are what matter; the router is quiet

        def _proxy(self) -> None:
            host = (self.headers.get("Host") or "").split(":")[0].lower().rstrip(".")
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            for address, port in router.backends(host):
                try:
                    response, payload = self._forward(address, port, body)
                except ConnectionError:
                    continue  # the target just stopped: the next one answers
                self._reply(response.status, response.getheaders(), payload)
                return
            if host in router.targets:
                self._reply(503, [("Content-Type", "text/plain")], b"503 Service Unavailable: no healthy target\n")
            else:
                self._reply(404, [("Content-Type", "text/plain")], f"404 Not Found: no app at {host}\n".encode())

        def _forward(self, address: str, port: int, body: bytes | None) -> tuple[http.client.HTTPResponse, bytes]:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            headers["Host"] = self.headers.get("Host", "")
            headers["X-Forwarded-For"] = self.client_address[0]
            headers["X-Forwarded-Proto"] = "http"
            headers["X-Forwarded-Port"] = str(router.port)
            connection = http.client.HTTPConnection(address, port, timeout=BACKEND_TIMEOUT_SECONDS)
            try:
                connection.request(self.command, self.path, body=body, headers=headers)
                response = connection.getresponse()
                return response, response.read()
            finally:
                connection.close()

        def _reply(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
            self.send_response(status)
            for name, value in headers:
                if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _proxy

    return Proxy
