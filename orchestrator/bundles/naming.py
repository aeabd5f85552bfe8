"""Deterministic names of everything a bundle creates: the names a Mattermost server computes.

A Mattermost server (mattermost-plugin-apps, `upstream/upaws`) finds an app's functions, static files and
manifest by computing their names from the manifest, so these must be exactly its names:
- function: `<appid>_<version>_<function>` with `.` in the app id and version and spaces in the function
  turned into `-`; over 64 characters: `<appid>_<version>_<sha256 hex of that name>`, the hash cut so
  that the whole is 64 characters (`LambdaName`);
- static file: `static/<appid>_<version>_app/<path>`, spaces in the path turned into `-` (`S3StaticName`);
- manifest: `manifests/<appid>_<version>.json` (`S3ManifestName`).
One fix: where upstream keeps a `.` in a function name, which Lambda refuses (the function part of a short
name, and the app id and version of a hashed one), we write `-`. `mattermost_lambda_name` is upstream's
exact result, so validation can say when a server would not find the function.
"""

from __future__ import annotations

import hashlib
import re

LAMBDA_NAME_MAX = 64
VALID_LAMBDA_NAME = re.compile(r"^[A-Za-z0-9\-_]{1,64}$")

BUNDLE_PREFIX = "bundles/"
STATIC_PREFIX = "static/"
MANIFEST_PREFIX = "manifests/"
LIVE_ALIAS = "live"


def normalise(function: str) -> str:
    """A function name as it appears in a Lambda name: spaces (upstream) and dots (our fix) become `-`."""
    return function.replace(" ", "-").replace(".", "-")


def _hashed(app_id: str, version: str, full: str) -> str:
    """Upstream's hash part: sha256 of the short name, cut so that `<appid>_<version>_<hash>` is 64 long."""
    room = LAMBDA_NAME_MAX - len(app_id) - len(version) - 2
    return hashlib.sha256(full.encode()).hexdigest()[:room]


def mattermost_lambda_name(app_id: str, version: str, function: str) -> str:
    """Exactly what a Mattermost server invokes for this function (`upaws.LambdaName`), valid or not."""
    full = f"{app_id.replace('.', '-')}_{version.replace('.', '-')}_{function.replace(' ', '-')}"
    if len(full) <= LAMBDA_NAME_MAX:
        return full
    return f"{app_id}_{version}_{_hashed(app_id, version, full)}"


def lambda_name(app_id: str, version: str, function: str) -> str:
    """The function's Lambda name: upstream's, with the dots it keeps turned into `-` (same length, same
    hash), so the name is always one Lambda accepts. Equal to `mattermost_lambda_name` whenever that is valid."""
    return mattermost_lambda_name(app_id, version, function).replace(".", "-")


def app_prefix(app_id: str, version: str) -> str:
    return f"{STATIC_PREFIX}{s3_stem(app_id, version)}_app/"


def static_name(path: str) -> str:
    """A static file's name under the app's prefix: spaces become `-`, as the server looks it up."""
    return path.replace(" ", "-")


def static_key(app_id: str, version: str, path: str) -> str:
    """`static/<appid>_<version>_app/<path>`; `path` is relative to the bundle's static/ folder."""
    return f"{app_prefix(app_id, version)}{static_name(path)}"


def s3_stem(app_id: str, version: str) -> str:
    """`<appid>_<version>`: every S3 key of an app version (static, manifest, bundle) is built from it, and
    two app versions share it when the `_` falls differently (`my_app` `1_0` and `my_app_1` `0`)."""
    return f"{app_id}_{version}"


def manifest_key(app_id: str, version: str) -> str:
    return f"{MANIFEST_PREFIX}{s3_stem(app_id, version)}.json"


def bundle_key(app_id: str, version: str) -> str:
    """Where `orchestrator bundle deploy` uploads a bundle (the event rule watches `bundles/`)."""
    return f"{BUNDLE_PREFIX}{s3_stem(app_id, version)}.zip"
