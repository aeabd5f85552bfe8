"""moto, served on a loopback port, so boto3, the AWS CLI and this CLI all reach it through AWS_ENDPOINT_URL."""

from __future__ import annotations

import logging
import os
import socket
import urllib.request
from dataclasses import dataclass, field

import boto3

LOOPBACK = "127.0.0.1"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "emulator",
    "AWS_SECRET_ACCESS_KEY": "emulator",
}


def ensure_local_credentials() -> None:
    """moto accepts any credentials; give boto3 fake ones when the operator has none, so talking to the
    emulator never needs an AWS account. Real credentials, when present, are left untouched. The instance
    metadata service is not asked: off EC2 it only costs a timeout, and the emulator needs no role."""
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    # boto3's default session, which the clients are built from: no second session, no second credential chain.
    if boto3.DEFAULT_SESSION is None:
        boto3.setup_default_session()
    assert boto3.DEFAULT_SESSION is not None
    if boto3.DEFAULT_SESSION.get_credentials() is None:
        for name, value in FAKE_CREDENTIALS.items():
            os.environ[name] = value


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


_SERVERS: list[MotoServer] = []


@dataclass
class MotoServer:
    """moto's threaded server on 127.0.0.1 (never on all interfaces)."""

    port: int = 0
    _server: object | None = field(default=None, repr=False)

    @property
    def endpoint_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @classmethod
    def for_process(cls, port: int = 0) -> MotoServer:
        """The process's server on `port` (any free port for 0): starting moto's server app costs seconds,
        so emulators run one after another in a process (tests, `local run`) share it, reset in between."""
        for server in _SERVERS:
            if port in (0, server.port):
                return server
        server = cls(port=port)
        _SERVERS.append(server)
        return server

    def start(self) -> str:
        if self._server is not None:
            return self.endpoint_url
        from orchestrator.local.shared_models import share_botocore_loaders

        share_botocore_loaders()  # before moto's imports, which make several sessions
        from moto.server import ThreadedMotoServer

        from orchestrator.local import moto_patches

        moto_patches.apply()
        logging.getLogger("werkzeug").setLevel(logging.CRITICAL)  # no access log on the terminal
        if not self.port:
            self.port = free_port()
        server = ThreadedMotoServer(ip_address=LOOPBACK, port=self.port, verbose=False)
        server.start()
        self._server = server
        return self.endpoint_url

    def reset(self) -> None:
        """Empty every moto backend (they are per process: a new server in the same process would
        otherwise see the previous run's resources)."""
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()  # type: ignore[attr-defined]
            self._server = None
