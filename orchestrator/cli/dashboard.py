"""`orchestrator dashboard`: serve the built web dashboard on 127.0.0.1 against the emulator."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import typer

from orchestrator.cli.output import JsonOption, fail

# The site `make dashboard` builds (vite, into dashboard/dist), next to the package in a checkout.
SITE = Path(__file__).resolve().parents[2] / "dashboard" / "dist"
DEFAULT_PORT = 8765


def dashboard(
    port: int = typer.Option(DEFAULT_PORT, "--port", min=0, max=65535, help="Loopback port (0: any free port)."),
    users: list[str] = typer.Option(
        [], "--user", metavar="NAME=APP[,APP...]", show_default=False,
        help="A local user holding the users role of these apps (repeatable). Default: 'operator', holding "
        "every registered app's role.",
    ),
    site: Path = typer.Option(SITE, "--site", help="The built site (make dashboard).", show_default=False),
    state_dir: Path | None = typer.Option(None, "--state-dir", show_default=False,
                                          help="The emulator's state directory (when no endpoint is given)."),
    as_json: bool = JsonOption,
) -> None:
    """Serve the dashboard on 127.0.0.1 against the current endpoint (the running emulator when none is
    given), printing its URL on the first line. The page's AWS calls pass the users role's IAM policy
    here before they reach the emulator. Stops on Ctrl-C."""
    from orchestrator.dashboard.local_users import DEFAULT_USER, LocalUser, parse_user

    if not (site / "index.html").is_file():
        fail(f"the dashboard is not built ({site / 'index.html'} is missing): run `make dashboard`", 2)
    try:
        local_users = [parse_user(spec) for spec in users] or [LocalUser(DEFAULT_USER, None)]
    except ValueError as error:
        fail(f"--user {error}", 2)
    from orchestrator.cli.emulator import use_emulator

    endpoint = use_emulator(state_dir)
    from orchestrator.cli.urls import router_port
    from orchestrator.dashboard.local_server import local_dashboard

    try:
        server = local_dashboard(port, site, endpoint, local_users, router_port())
    except OSError as error:
        fail(f"cannot listen on 127.0.0.1:{port}: {error.strerror}", 2)
    line = {"url": server.url + "/", "endpoint": endpoint, "users": server.sessions.user_names}
    typer.echo(json.dumps(line) if as_json else f"{server.url}/  (dashboard over {endpoint}; Ctrl-C stops it)")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        thread.join()
    except KeyboardInterrupt:
        server.shutdown()

