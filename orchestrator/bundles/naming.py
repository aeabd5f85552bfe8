"""Deterministic names of everything a bundle creates (Mattermost's layout, with its bugs fixed)."""

from __future__ import annotations

import hashlib
import re

LAMBDA_NAME_MAX = 64
HASH_LENGTH = 10
_INVALID = re.compile(r"[^A-Za-z0-9\-_]")

BUNDLE_PREFIX = "bundles/"
STATIC_PREFIX = "static/"
MANIFEST_PREFIX = "manifests/"
LIVE_ALIAS = "live"


def normalise(part: str) -> str:
    """`.` and spaces become `-`; any other character Lambda refuses also becomes `-`."""
    return _INVALID.sub("-", part.replace(".", "-").replace(" ", "-"))


def lambda_name(app_id: str, version: str, function: str) -> str:
    """`<appid>_<version>_<function>`, normalised. Over 64 characters: a prefix, `-`, and a hash of the
    whole name, so two long names that share a prefix stay distinct and the result is still valid."""
    full = normalise(f"{app_id}_{version}_{function}")
    if len(full) <= LAMBDA_NAME_MAX:
        return full
    digest = hashlib.sha256(full.encode()).hexdigest()[:HASH_LENGTH]
    return f"{full[: LAMBDA_NAME_MAX - HASH_LENGTH - 1]}-{digest}"


def app_prefix(app_id: str, version: str) -> str:
    return f"{STATIC_PREFIX}{app_id}_{version}_app/"


def static_key(app_id: str, version: str, path: str) -> str:
    """`static/<appid>_<version>_app/<path>`; `path` is relative to the bundle's static/ folder."""
    return f"{app_prefix(app_id, version)}{path.lstrip('/')}"


def manifest_key(app_id: str, version: str) -> str:
    return f"{MANIFEST_PREFIX}{app_id}_{version}.json"


def bundle_key(app_id: str, version: str) -> str:
    """Where `orchestrator bundle deploy` uploads a bundle (the event rule watches `bundles/`)."""
    return f"{BUNDLE_PREFIX}{app_id}_{version}.zip"
