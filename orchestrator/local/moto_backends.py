"""moto's backends of this process, for the emulator's own setup.

The emulator's moto runs in its own process, so its setup creates resources with a Python call on the
backend that the API call would reach: no HTTP round trip, and no botocore client (parsing a service's JSON
model is most of a client's cost). Each backend method is the one moto's own response handler calls, with
the arguments the stacks' API call would give it.
"""

from __future__ import annotations

from typing import Any

REGIONLESS = {"s3", "iam"}  # moto keys these by partition, not region


def backend(service: str, region: str) -> Any:
    """The backend of `service` in moto's default account (the account the emulator's clients are in)."""
    from moto.backends import get_backend
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.utilities.utils import get_partition

    return get_backend(service)[DEFAULT_ACCOUNT_ID][get_partition(region) if service in REGIONLESS else region]  # type: ignore[call-overload]
