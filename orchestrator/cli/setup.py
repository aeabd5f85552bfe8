"""What the CLI sets up before a command runs (never for --help): its settings, from its options, and where
logs go.

The CLI is a client program: its settings are its global options, whose environment variables typer reads
(the names and defaults the functions' settings model uses, from `setting_names`). It hands the adapters
these explicit values (`settings.use_explicit`), so a command that only reads records never builds the
pydantic-settings model.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from orchestrator import setting_names as names
from orchestrator.cli.output import fail
from orchestrator.log_stream import log_stream

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")

_state_dir: Path | None = None  # the emulator's state directory, from the options (None: not set up)


def is_loopback(endpoint_url: str | None) -> bool:
    return bool(endpoint_url) and urlsplit(str(endpoint_url)).hostname in LOOPBACK_HOSTS


def configure_cli(
    *,
    endpoint_url: str | None,
    region: str,
    table_name: str,
    ssm_prefix: str,
    cluster_name: str,
    max_attempts: int,
    local_state_dir: Path | None,
    xdg_state_home: Path | None,
) -> None:
    """Check the options (a one-line error, exit 2, before botocore sees them) and give them to the adapters."""
    global _state_dir
    # stdout is for results (`--json` must parse): the domain code's log lines go to stderr.
    log_stream.to_stderr = True
    from orchestrator.settings import AdapterSettings, endpoint_url_or_none, use_explicit

    try:
        endpoint_url = endpoint_url_or_none(endpoint_url)
    except ValueError as error:
        fail(f"--endpoint-url / {names.ENDPOINT_URL_VARIABLE}: {error}", 2)
    if re.fullmatch(names.SSM_PREFIX_PATTERN, ssm_prefix) is None:
        fail(f"--ssm-prefix / {names.variable('ssm_prefix')}: {ssm_prefix!r} may hold only A-Z a-z 0-9 _ . -", 2)
    loopback = is_loopback(endpoint_url)
    use_explicit(
        AdapterSettings(
            table_name=table_name,
            ssm_prefix=ssm_prefix,
            cluster_name=cluster_name,
            region=region,
            endpoint_url=endpoint_url,
            # The emulator has no throttling to ride out: one attempt, so a stopped emulator fails at once.
            aws_max_attempts=1 if loopback else max_attempts,
        )
    )
    _state_dir = names.emulator_state_dir(local_state_dir, xdg_state_home)
    if loopback:
        from orchestrator.local.server import ensure_local_credentials

        ensure_local_credentials()  # the emulator accepts any credentials; none are needed


def cli_state_dir() -> Path | None:
    """The emulator's state directory the options name; None when the CLI was not set up (called in-process)."""
    return _state_dir
