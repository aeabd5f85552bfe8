"""What the CLI sets up before a command runs (never for --help): the endpoint, the region, where logs go."""

from __future__ import annotations

from urllib.parse import urlsplit

from orchestrator.cli.output import fail
from orchestrator.log_stream import log_stream

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def is_loopback(endpoint_url: str | None) -> bool:
    return bool(endpoint_url) and urlsplit(str(endpoint_url)).hostname in LOOPBACK_HOSTS


def configure_cli(endpoint_url: str | None, region: str | None) -> None:
    """Check --endpoint-url / AWS_ENDPOINT_URL before botocore sees it, and point the settings at it."""
    # stdout is for results (`--json` must parse): the domain code's log lines go to stderr.
    log_stream.to_stderr = True
    from orchestrator.settings import configure, endpoint_url_or_none

    try:
        endpoint_url = endpoint_url_or_none(endpoint_url)
    except ValueError as error:
        fail(f"--endpoint-url / AWS_ENDPOINT_URL: {error}", 2)
    settings = configure(endpoint_url=endpoint_url, region=region)
    if is_loopback(settings.endpoint_url):
        # The emulator has no throttling to ride out: one attempt, so a stopped emulator fails at once.
        configure(aws_max_attempts=1)
        from orchestrator.local.server import ensure_local_credentials

        ensure_local_credentials()  # the emulator accepts any credentials; none are needed
