"""moto, served on a loopback port, so boto3, the AWS CLI and this CLI all reach it through AWS_ENDPOINT_URL.

moto's server builds a service's app (and imports its moto module) at the service's first request. A server
started with held services answers every other service at once, and holds the requests for the held ones
until `release_held()`: `local up` is ready before ECS and EC2 are, and a command that needs them waits for
them instead of finding them missing.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from moto.backends import SERVICE_NAMES

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
    from orchestrator.adapters.clients import default_session

    # The session the clients are built from: no second session, no second credential chain.
    if default_session().get_credentials() is None:
        for name, value in FAKE_CREDENTIALS.items():
            os.environ[name] = value


_SERVERS: list[MotoServer] = []
HOLD_SECONDS = 300.0  # a held request proceeds after this long even if never released (its service then errs)


class HeldServices:
    """Builds moto's per-service apps; the apps of the held services wait for `release()` first."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.names = frozenset(names)
        self.released = threading.Event()
        if not self.names:
            self.released.set()
        self._apps: dict[SERVICE_NAMES, Any] = {}
        self._lock = threading.Lock()

    def create_app(self, service: SERVICE_NAMES) -> Any:
        from moto.moto_server.werkzeug_app import create_backend_app

        if service not in self.names or self.released.is_set():
            return create_backend_app(service)
        # moto keeps this app for the service: it waits, then hands every request to the real app.
        return functools.partial(self._when_released, service)

    def _when_released(self, service: SERVICE_NAMES, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        self.released.wait(HOLD_SECONDS)
        from moto.moto_server.werkzeug_app import create_backend_app

        with self._lock:
            if service not in self._apps:
                self._apps[service] = create_backend_app(service)
        return self._apps[service](environ, start_response)

    def release(self) -> None:
        self.released.set()



@dataclass
class MotoServer:
    """moto's threaded server on 127.0.0.1 (never on all interfaces)."""

    port: int = 0
    held: HeldServices = field(default_factory=HeldServices, repr=False)
    _server: Any = field(default=None, repr=False)

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

    def start(self, hold: Iterable[str] = ()) -> str:
        """Serve moto on the port (any free one for 0). `hold`: services whose requests wait for
        `release_held()`, and whose moto patches are applied then (`moto_patches.HELD_SERVICES`)."""
        if self._server is not None:
            return self.endpoint_url
        from orchestrator.local.shared_models import share_botocore_loaders

        share_botocore_loaders()  # before moto's imports, which make several sessions
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler
        from werkzeug.serving import make_server

        from orchestrator.local import moto_patches

        self.held = HeldServices(hold)
        moto_patches.apply_to_started() if self.held.names else moto_patches.apply()
        logging.getLogger("werkzeug").setLevel(logging.CRITICAL)  # no access log on the terminal
        server = make_server(LOOPBACK, self.port, DomainDispatcherApplication(self.held.create_app), threaded=True,
                             request_handler=MotoRequestHandler)  # fmt: skip
        self.port = server.server_port
        threading.Thread(target=server.serve_forever, name="moto-server", daemon=True).start()
        self._server = server
        return self.endpoint_url

    def release_held(self) -> None:
        """Patch the held services and answer their requests (the resources they need exist now)."""
        from orchestrator.local import moto_patches

        moto_patches.apply_to_held()
        self.held.release()

    def reset(self) -> None:
        """Empty every moto backend (they are per process: a new server in the same process would
        otherwise see the previous run's resources)."""
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server = None
