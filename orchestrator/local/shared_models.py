"""One botocore data loader per search path for the whole emulator process.

Every new botocore session builds its own loader and parses botocore's JSON again: moto's EC2 alone makes
three sessions at import (`get_available_regions`), and each backend one more. The files never change
while the process runs, so sessions share the first loader (it caches what it parsed). moto's own loader
(its models carry moto's extras) is left as it is.
"""

from __future__ import annotations

import functools

import botocore.loaders
import botocore.session

_original = botocore.loaders.create_loader


@functools.cache
def _shared_loader(search_path_string: str | None = None) -> botocore.loaders.Loader:
    return _original(search_path_string)


def share_botocore_loaders() -> None:
    """Make every botocore session of this process (boto3's included) share one loader; idempotent."""
    botocore.session.create_loader = _shared_loader
