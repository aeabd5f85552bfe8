"""Finding the local emulator, one rule for every command, from any directory.

The endpoint is --endpoint-url, else AWS_ENDPOINT_URL, else AWS itself. The emulator's state directory is
--state-dir, else ORCHESTRATOR_LOCAL_STATE_DIR, else ~/.local/state/orchestrator/local (XDG_STATE_HOME).
`local` commands and `events replay`, which only make sense against the emulator, use the emulator of that
state directory when no endpoint is given; other commands never switch silently, but when they cannot
reach AWS and an emulator is running, their error says what to export.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from orchestrator.cli.output import fail

LOCAL_EXTRA_HINT = "the emulator needs the 'local' extra: pip install 'orchestrator[local]'"


def require_emulator_extra() -> None:
    """A one-line error, before anything starts, when moto (the 'local' extra) is not installed."""
    if importlib.util.find_spec("moto") is None:
        fail(LOCAL_EXTRA_HINT, 1)


def state_dir_of(given: Path | None) -> Path:
    if given is not None:
        return given
    from orchestrator.cli.setup import cli_state_dir

    configured = cli_state_dir()
    if configured is not None:
        return configured
    from orchestrator.settings import get_settings

    return get_settings().emulator_state_dir


def running_emulator(state_dir: Path) -> dict[str, Any] | None:
    from orchestrator.local.daemon import running_state

    return running_state(state_dir)


def use_emulator(state_dir: Path | None) -> str:
    """Point this process at the emulator: the given endpoint, else the running emulator of the state
    directory; a one-line error when there is neither."""
    from orchestrator.adapters.clients import reset_clients
    from orchestrator.local.server import ensure_local_credentials
    from orchestrator.settings import adapter_settings, configure

    endpoint = adapter_settings().endpoint_url
    if endpoint is None:
        directory = state_dir_of(state_dir)
        state = running_emulator(directory)
        if state is None:
            fail(f"no emulator is running for {directory} (start one with `orchestrator local up`)", 1)
        endpoint = str(state["endpoint"])
        configure(endpoint_url=endpoint, aws_max_attempts=1)
        reset_clients()
    ensure_local_credentials()
    return endpoint
