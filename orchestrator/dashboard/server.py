"""`orchestrator dashboard`'s HTTP server: the built site, its config.json, local sign-in, and the AWS proxy.

Everything listens on 127.0.0.1 only. AWS requests (`POST /aws/`, and the S3 reads `GET /aws/<bucket>/<key>`)
pass the local IAM check (`gate.py`) and are then forwarded unchanged to the emulator; the emulator's answer
goes back unchanged.
"""

from __future__ import annotations

import json
import mimetypes
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from orchestrator.dashboard.aws_requests import Account
from orchestrator.dashboard.gate import Refusal, refusal_of
from orchestrator.dashboard.sessions import LocalSessions, SignInError
from orchestrator.iam.evaluation import Statement

MAX_BODY = 1024 * 1024  # the largest AWS JSON request the page makes is far below
_FORWARDED_RESPONSE_HEADERS = (
    "Content-Type", "x-amzn-RequestId", "x-amzn-ErrorType", "x-amz-crc32",
    "Content-Range", "Accept-Ranges", "ETag", "Last-Modified", "x-amz-request-id",
)  # fmt: skip
_PROXY = "/aws"


class DashboardServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        port: int,
        site: Path,
        endpoint: str,
        sessions: LocalSessions,
        account: Account,
        statements_of: Callable[[str], Sequence[Statement]],
        site_config: Callable[[str], dict[str, Any]],
    ) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.site = site.resolve()
        self.endpoint = endpoint.rstrip("/")
        self.sessions = sessions
        self.account = account
        self.statements_of = statements_of
        self.site_config = site_config

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: DashboardServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # one line per request would drown the refusals, which are logged on their own

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: Any) -> None:
        self._send(status, json.dumps(data).encode(), "application/json")

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError(f"request body over {MAX_BODY} bytes")
        return self.rfile.read(length)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/config.json":
            self._json(200, self.server.site_config(self.server.url))
        elif path.startswith(_PROXY + "/"):
            self._proxy(b"", s3_get=self.path[len(_PROXY) :])
        elif path == "/local-auth/users":
            self._json(200, {"users": self.server.sessions.user_names})
        else:
            self._static(path)

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0]
        try:
            body = self._body()
        except ValueError as error:
            self._json(413, {"message": str(error)})
            return
        if path.startswith(_PROXY):
            self._proxy(body)
        elif path == "/local-auth/sign-in":
            self._auth(lambda data: dict(zip(("token", "roles"), self.server.sessions.sign_in(str(data.get("user"))), strict=True)), body)
        elif path == "/local-auth/credentials":
            self._auth(lambda data: self._credentials(data), body)
        else:
            self._json(404, {"message": f"no such path: {path}"})

    def _credentials(self, data: dict[str, Any]) -> dict[str, str]:
        found = self.server.sessions.credentials(str(data.get("token")), str(data.get("roleArn")))
        return {"accessKeyId": found.access_key_id, "secretAccessKey": found.secret_access_key,
                "sessionToken": found.session_token}  # fmt: skip

    def _auth(self, answer: Callable[[dict[str, Any]], dict[str, Any]], body: bytes) -> None:
        try:
            data = json.loads(body or b"{}")
            self._json(200, answer(data if isinstance(data, dict) else {}))
        except (SignInError, json.JSONDecodeError) as error:
            self._json(400, {"__type": "NotAuthorizedException", "message": str(error)})

    def _proxy(self, body: bytes, s3_get: str | None = None) -> None:
        """A JSON-protocol POST, or (`s3_get`: the path below /aws) an S3 GET of one object."""
        headers = {name.lower(): value for name, value in self.headers.items()}  # HTTP names are case-insensitive
        refusal: Refusal | None = refusal_of(
            headers, body, self.server.sessions, self.server.account, self.server.statements_of, s3_get
        )
        if refusal is not None:
            what = f"GET {s3_get}" if s3_get is not None else headers.get("x-amz-target", "?")
            print(f"dashboard: refused {what}: {refusal.message}", file=sys.stderr, flush=True)
            self._send(refusal.status, refusal.body(), refusal.content_type, {"x-amzn-ErrorType": refusal.error_type})
            return
        forwarded = {k: v for k, v in headers.items() if k.lower() not in ("host", "connection", "origin", "referer")}
        if s3_get is not None:
            request = urllib.request.Request(self.server.endpoint + s3_get, headers=forwarded, method="GET")
        else:
            request = urllib.request.Request(self.server.endpoint + "/", data=body, headers=forwarded, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, answer, answer_headers = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, answer, answer_headers = error.code, error.read(), error.headers
        except OSError as error:
            self._json(502, {"__type": "ServiceUnavailable", "message": f"the emulator at {self.server.endpoint} did not answer: {error}"})
            return
        extra = {n: answer_headers[n] for n in _FORWARDED_RESPONSE_HEADERS[1:] if answer_headers.get(n)}
        self._send(status, answer, answer_headers.get("Content-Type", "application/json"), extra)

    def _static(self, path: str) -> None:
        relative = path.lstrip("/") or "index.html"
        target = (self.server.site / relative).resolve()
        if not target.is_relative_to(self.server.site) or not target.is_file():
            self._send(404, b"not found", "text/plain")
            return
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        self._send(200, target.read_bytes(), content_type)
